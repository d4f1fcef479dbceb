# SPDX-License-Identifier: GPL-2.0
#
# bench/vm/reads.sh: workloads 4 and 5 of bench/README.md (reads of
# manifest content, stat and readdir walks), every peer in this one boot,
# and the page-cache footprint of one object read through 1 and 4 mounts.
# "cold" drops the caches first: the peers' own (and bundlefs') page
# cache, dentries and inodes; the tmpfs under them stays, as it must.
. "$(dirname "$0")/lib.sh"

BIG=${BENCH_BIG:-1073741824}
RANDR=${BENCH_RANDR:-20000}
FOOT=${BENCH_FOOTPRINT:-268435456}

bench_init
gen_data "${BENCH_FILES:-100000}" "${BENCH_DIRS:-1000}" 4096 "$BIG"

for p in $PEERS; do
	peer_ro "$p" || { peer_error reads seq-read-cold "$p" "mount failed"; continue; }
	r=1
	while [ $r -le "$REPS" ]; do
		# each warm figure right after the cold one of the same kind,
		# whose pages, dentries and inodes it finds cached (tmpfs is
		# never cold: drop_caches leaves its pages and dentries)
		for t in cold warm; do
			[ $t = warm ] || drop_caches
			measure reads "seq-read-$t" "$p" "$r" MB/s MB \
				bench-io read "$MNT/big.bin" 131072
		done
		for t in cold warm; do
			[ $t = warm ] || drop_caches
			measure reads "rand-read-4k-$t" "$p" "$r" MB/s MB \
				bench-io randread "$MNT/big.bin" 4096 "$RANDR"
		done
		for t in cold warm; do
			[ $t = warm ] || drop_caches
			# every file, opened, read (its first MiB) and closed
			measure reads "small-read-$t" "$p" "$r" files/s rate \
				bench-io readall "$MNT"
		done
		for t in cold warm; do
			[ $t = warm ] || drop_caches
			measure reads "walk-stat-$t" "$p" "$r" entries/s rate \
				bench-io walk "$MNT" stat
		done
		for t in cold warm; do
			[ $t = warm ] || drop_caches
			measure reads "walk-readdir-$t" "$p" "$r" entries/s rate \
				bench-io walk "$MNT"
		done
		r=$((r + 1))
	done
	peer_down
done

# the page cache one object takes when read through 1 and through 4
# mounts of the same data (the objects are on tmpfs: its pages are
# shared memory, so "Cached - Shmem" is what the mounts added)
for p in bundlefs overlayfs; do
	case " $PEERS " in *" $p "*) ;; *) continue ;; esac
	for n in 1 4; do
		drop_caches
		before=$(( $(meminfo Cached) - $(meminfo Shmem) ))
		i=1
		while [ $i -le $n ]; do
			mkdir -p "$B/m$i"
			MNT=$B/m$i
			peer_ro "$p" && bench-io read "$MNT/big.bin" 131072 "$FOOT" >/dev/null
			i=$((i + 1))
		done
		after=$(( $(meminfo Cached) - $(meminfo Shmem) ))
		MNT=$B/mnt
		result "reads footprint-$n-mounts $p 1 $(( (after - before) / 1024 )) MiB"
		i=1
		while [ $i -le $n ]; do
			umount "$B/m$i"
			i=$((i + 1))
		done
	done
done
say "done"
