"""The lowest layer: messages in two languages (i18n), safe echoes of user text, the atomic checked disk cache, the machine's cores, progress reports. Imports nothing else of kdviz."""
