"""The local cloud's HTTP routes, one module per API group (each exports its `ROUTES`)."""
