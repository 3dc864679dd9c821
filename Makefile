# The two commands the README starts with, and a few for day-to-day work.
.PHONY: run test dev db db-stop fmt lint bench bench-sync bench-mixed cluster cluster-stop test-cluster

run:            ## build and serve at http://127.0.0.1:3000 with demo data
	@scripts/run.sh

test:           ## everything CI checks: fmt, clippy, Rust tests, end-to-end tests
	@scripts/test.sh

dev:            ## rebuild and reload on every change (debug build)
	@scripts/bootstrap.sh && . scripts/env.sh && export DATABASE_URL="$${DATABASE_URL:-$$(scripts/pg.sh start dev)}" && node scripts/site-assets.mjs "$$CASEWORK_SITE_ROOT" && LEPTOS_ENV=DEV cargo leptos watch --split

bench:          ## load the 1M-case data set (once), benchmark the release server, write bench/RESULTS.md
	@bench/run.sh

bench-mixed:    ## 200 signed-in people, 80 % reads / 20 % writes, on the 1M-case data set, into bench/RESULTS.md
	@bench/mixed.sh

bench-sync:     ## the CRM sync benchmark (fake Zoho, 10,000 contacts with photos), into bench/RESULTS.md
	@bench/sync.sh

cluster:        ## several instances on this machine: PostgreSQL primary + replica, Redis, 3 × serve, nginx on :3100
	@scripts/cluster.sh start

cluster-stop:   ## stop what `make cluster` started (its data stays in .data/cluster)
	@scripts/cluster.sh stop

test-cluster:   ## a fresh cluster of its own, then instance kill, rolling restart and replica faults under load
	@scripts/test-cluster.sh

db:             ## start the embedded PostgreSQL and print its URL
	@scripts/pg.sh start dev

db-stop:        ## stop the embedded PostgreSQL clusters
	@scripts/pg.sh stop dev; scripts/pg.sh stop test; scripts/pg.sh stop bench

fmt:
	@cargo fmt --all
