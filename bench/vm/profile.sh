# SPDX-License-Identifier: GPL-2.0
#
# bench/vm/profile.sh OUT: where the CPU goes in bundlefs' write path, the
# way the seed profile of the FUSE filesystem was taken: `perf record -g`
# of the whole machine (software clock: TCG has no hardware counters)
# while a writable mount takes (1) 4 KiB sequential writes of a new file
# and (2) the mixed job of workload 8.  Writes OUT/profile-CASE.txt, the
# flat per-symbol report bench/report groups.
. "$(dirname "$0")/lib.sh"
OUT=$1
SIZE=${BENCH_PROFILE_SIZE:-536870912}

bench_init
gen_data 400 4 65536 0

profile() {	# profile CASE CMD...: CMD runs the workload under $PERF
	c=$1
	shift
	peer_up bundlefs d000 d001 d002 d003 || { peer_error profile "$c" bundlefs "mount failed"; return; }
	mkdir -p "$MNT/out"
	if "$@" >/dev/null 2>/tmp/perf.err; then
		perf report -i "$B/perf.data" --stdio --no-children \
			--sort symbol -g none --percent-limit 0.2 \
			>"$OUT/profile-$c.txt" 2>/dev/null
		result "profile $c bundlefs 1 $(grep -c '%' "$OUT/profile-$c.txt") symbols"
	else
		peer_error profile "$c" bundlefs "perf: $(tail -n 1 /tmp/perf.err)"
	fi
	rm -f "$B/perf.data"
	peer_down
}

PERF="perf record -a -g -e cpu-clock -F 2000 -o $B/perf.data --"
profile write-4k $PERF bench-io write "$MNT/out/new.bin" "$SIZE" 4096
profile mixed-job mixed_job $PERF
say "done"
