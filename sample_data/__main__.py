"""`python -m sample_data [URL] [--seed N] [--end YYYY-MM-DD] [--days N] [--scale S]`."""

from sample_data.generator import main

raise SystemExit(main())
