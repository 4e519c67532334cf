// Starts Swagger UI on the service's own OpenAPI document (no inline script: CSP).
window.ui = SwaggerUIBundle({
  url: "/schema/openapi.json",
  dom_id: "#explorer",
  deepLinking: true,
  validatorUrl: null,
  tryItOutEnabled: false,
});
