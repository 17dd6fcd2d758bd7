"""Management-state model: REST API configuration kept in Amazon API Gateway's own JSON shapes."""
