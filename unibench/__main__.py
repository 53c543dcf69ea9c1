import sys

from .cli.main import main

# guarded: engines that spawn worker processes (vLLM) re-import the main module in the child
if __name__ == "__main__":
    sys.exit(main())
