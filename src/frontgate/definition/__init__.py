"""API definitions as the management API keeps them: the document kinds in the config store and
their parent scopes (``kinds``), one REST API's configuration in API Gateway's own JSON shapes
(``model``), and storing / loading whole definitions that deployments freeze (``restapis``).

The management API writes them, the compiler reads them; nothing here serves a request."""
