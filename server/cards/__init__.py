"""Link preview cards: the `cards.fetch` job (service), the PreviewCard entity (render) and
trending links (routes)."""
