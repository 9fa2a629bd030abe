"""HTTP API: blueprints by resource, thin views over commentsvc.services."""
