"""HTTP interface of the work queue: one ``<Entity><Action>Api`` view per operation."""
