import sys

from frontgate.cli import main

sys.exit(main())
