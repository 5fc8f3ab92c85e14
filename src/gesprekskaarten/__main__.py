import sys

from gesprekskaarten.cli import main

sys.exit(main())
