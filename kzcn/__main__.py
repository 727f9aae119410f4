from kzcn.cli import main

raise SystemExit(main())
