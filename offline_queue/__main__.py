"""``python -m offline_queue``: the sync process alone (``offline_queue.service``)."""

import sys

from offline_queue.service import main

sys.exit(main())
