# SPDX-License-Identifier: GPL-2.0
#
# bench/vm/writes.sh: workloads 1, 2, 3 and 8 of bench/README.md (writes),
# every peer in this one boot.  Run by bench/run through scripts/vm-run.
. "$(dirname "$0")/lib.sh"

BIG=${BENCH_BIG:-1073741824}
WRITE_SIZE=${BENCH_WRITE_SIZE:-$BIG}
CREATE=${BENCH_CREATE:-20000}
RANDW=${BENCH_RANDW:-20000}

bench_init
# the inputs of workload 8: 400 files of 64 KiB in d000..d003
gen_data 400 4 65536 "$BIG"

# 1: a new file, sequential writes, with and without a final fsync
seq_write() {
	measure writes "seq-write-$bs-$sync" "$1" "$2" MB/s MB \
		bench-io write "$MNT/new.bin" "$WRITE_SIZE" "$bs" "$sync"
}
for p in $PEERS; do
	for bs in 131072 4096; do
		for sync in nofsync fsync; do
			reps writes "seq-write-$bs-$sync" "$p" seq_write
		done
	done
done

# 2: 4 KiB overwrites inside big.bin, which the manifest holds: the first
# write's latency (a copy-up for overlay peers) and then the rate
overwrite() {
	drop_caches
	measure writes first-write "$1" "$2" ms ms \
		bench-io firstwrite "$MNT/big.bin" $((BIG / 2))
	measure writes rand-overwrite-4k "$1" "$2" MB/s MB \
		bench-io randwrite "$MNT/big.bin" 4096 "$RANDW"
}
for p in $PEERS; do
	reps writes first-write "$p" overwrite big.bin
done

# 3: create + write 16 KiB + close, CREATE files in 100 directories
create() {
	mkdir "$MNT/out"
	measure writes create-16k "$1" "$2" files/s rate \
		bench-io create "$MNT/out" "$CREATE" 100 16384
}
for p in $PEERS; do
	reps writes create-16k "$p" create
done

# 8: the seed profile's job: writes many small and medium files while
# reading inputs (fio, two writers and one reader); throughput and the
# CPU time of the whole machine per GiB written
job() {
	mkdir "$MNT/out"
	if out=$(mixed_job bench-io run 2>/tmp/bench.err); then
		set -- "$1" "$2" $out
		# fio's terse line, field 47: KiB written by all jobs
		kib=$(awk -F';' '{ print $47 }' /tmp/fio.out)
		result "writes mixed-job $1 $2 $(awk -v k="$kib" -v t="$3" 'BEGIN { printf "%.3f", k * 1024 / 1e6 / t }') MB/s"
		result "writes mixed-job-cpu $1 $2 $(awk -v k="$kib" -v c="$4" 'BEGIN { printf "%.3f", c * 1048576 / k }') s/GiB"
	else
		peer_error writes mixed-job "$1" "fio: $(head -n 1 /tmp/bench.err)"
	fi
}
for p in $PEERS; do
	reps writes mixed-job "$p" job d000 d001 d002 d003
done
say "done"
