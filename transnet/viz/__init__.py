"""Maps for briefings: interactive HTML (:mod:`transnet.viz.web`), static PNG (:mod:`~.static`)."""
