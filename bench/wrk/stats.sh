# Sourced by the bench scripts that drive wrk (serve-bench.sh,
# store-bench.sh): one reader of wrk's --latency report.

# wrk_stats FILE: requests/s, p50 ms, p99 ms, non-2xx, socket errors.
wrk_stats() {
	awk '
	function ms(v) {
		if (v ~ /us$/) return v / 1000
		if (v ~ /ms$/) return v + 0
		if (v ~ /s$/) return v * 1000
		return v
	}
	/^Requests\/sec:/ { rps = $2 }
	$1 == "50%" { p50 = ms($2) }
	$1 == "99%" { p99 = ms($2) }
	/Non-2xx/ { bad = $NF }
	/Socket errors:/ { gsub(/,/, ""); err = $4 + $6 + $8 + $10 }
	END { printf "%.2f %.2f %.2f %d %d\n", rps, p50, p99, bad, err }
	' "$1"
}
