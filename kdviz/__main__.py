import sys

from kdviz.cli.main import main

sys.exit(main())
