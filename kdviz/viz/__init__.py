"""What kdviz draws: the colours and style, the plotly figures, and the live in-browser views (kdviz.viz.live)."""
