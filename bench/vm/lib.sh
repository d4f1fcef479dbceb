# SPDX-License-Identifier: GPL-2.0
#
# bench/vm/lib.sh: sourced by the benchmark's in-VM scripts.  Makes the
# data on tmpfs, mounts each peer over it, and prints results as lines
#
#     R GROUP CASE PEER REP VALUE UNIT
#
# which bench/run collects and bench/report turns into tables.  A peer
# that cannot be measured prints "R GROUP CASE PEER - - error: why".
#
# Environment (from bench/run): BENCH_REPS, BENCH_PEERS (space-separated),
# BENCH_MAX_SECONDS (each timed operation's limit: bench-io stops there
# and reports the rate over what it did), and the sizes each script reads.
set -u
export LC_ALL=C
B=/bench			# tmpfs holding everything
DATA=$B/data			# bench-gen tree: src/ cas/ manifest.json
MNT=$B/mnt			# where the peer under test is mounted
REPS=${BENCH_REPS:-5}
PEERS=${BENCH_PEERS:-tmpfs overlayfs bundlefs passthrough_ll fuse-overlayfs bindfs}

say() { echo "# $*"; }
result() { echo "R $*"; }

bench_init() {
	mkdir -p "$B"
	mount -t tmpfs -o size=90% tmpfs "$B" || { echo "bench: no tmpfs at $B"; exit 1; }
	mkdir -p "$MNT"
	echo 0 >/proc/sys/kernel/kptr_restrict
	echo -1 >/proc/sys/kernel/perf_event_paranoid
	# passthrough_ll keeps a descriptor per inode it has seen
	ulimit -n 65536
	say "kernel $(uname -r), $(nproc) CPUs, $(($(meminfo MemTotal) / 1024)) MiB"
}

gen_data() {	# gen_data FILES DIRS SIZE BIG
	say "generating $1 files of $3 bytes in $2 directories and a $4-byte file"
	bench-gen tree "$DATA" "$@" || { echo "bench: bench-gen failed"; exit 1; }
}

drop_caches() {
	sync
	echo 3 >/proc/sys/vm/drop_caches
}

# peer_up PEER [FILE...]: mount PEER at $MNT, writable.  Peers that write
# into their backing directory (tmpfs, passthrough_ll, bindfs) get a fresh
# directory holding copies of the FILEs of src the workload modifies;
# copy-on-write peers (overlayfs, fuse-overlayfs, bundlefs) take src (or
# the manifest) as their lower layer and a fresh tmpfs directory as upper.
peer_up() {
	p=$1
	shift
	rm -rf "$B/rw" "$B/upper" "$B/work"
	mkdir -p "$B/rw" "$B/upper" "$B/work"
	for f in "$@"; do
		mkdir -p "$B/rw/$(dirname "$f")"
		cp -a "$DATA/src/$f" "$B/rw/$f" || return 1
	done
	case $p in
	tmpfs) mount -o bind "$B/rw" "$MNT" ;;
	overlayfs) mount -t overlay overlay \
		-o "lowerdir=$DATA/src,upperdir=$B/upper,workdir=$B/work" "$MNT" ;;
	bundlefs) bundlefs mount "$DATA/manifest.json" "$MNT" \
		--cache "$DATA/cas" --upper "$B/upper" ;;
	passthrough_ll) passthrough_ll -o "source=$B/rw" "$MNT" ;;
	fuse-overlayfs) fuse-overlayfs \
		-o "lowerdir=$DATA/src,upperdir=$B/upper,workdir=$B/work" "$MNT" ;;
	bindfs) bindfs "$B/rw" "$MNT" ;;
	*) echo "bench: unknown peer $p"; return 1 ;;
	esac
}

# peer_ro PEER: mount PEER at $MNT over src for reading only.
peer_ro() {
	case $1 in
	tmpfs) mount -o bind "$DATA/src" "$MNT" ;;
	overlayfs) mkdir -p "$B/empty" &&	# two lower layers: no upper needed
		mount -t overlay overlay -o "lowerdir=$DATA/src:$B/empty" "$MNT" ;;
	bundlefs) bundlefs mount "$DATA/manifest.json" "$MNT" --cache "$DATA/cas" ;;
	passthrough_ll) passthrough_ll -o "source=$DATA/src" "$MNT" ;;
	fuse-overlayfs) rm -rf "$B/upper" "$B/work" && mkdir -p "$B/upper" "$B/work" &&
		fuse-overlayfs -o "lowerdir=$DATA/src,upperdir=$B/upper,workdir=$B/work" "$MNT" ;;
	bindfs) bindfs "$DATA/src" "$MNT" ;;
	*) echo "bench: unknown peer $1"; return 1 ;;
	esac
}

peer_down() {
	sync
	i=0
	while ! umount "$MNT" 2>/dev/null; do
		i=$((i + 1))
		[ $i -lt 50 ] || { echo "bench: cannot unmount $MNT"; umount -l "$MNT"; return 1; }
		sleep 0.2
	done
	rm -rf "$B/rw" "$B/upper" "$B/work"
}

# measure GROUP CASE PEER REP UNIT HOW CMD...: run CMD (a bench-io line:
# "SECONDS CPU AMOUNT") and print one row: HOW is "MB" (AMOUNT bytes per
# second in MB/s), "rate" (AMOUNT per second), "ms" (the time itself).
measure() {
	g=$1 c=$2 pr=$3 r=$4 u=$5 how=$6
	shift 6
	if ! out=$("$@" 2>/tmp/bench.err); then
		result "$g $c $pr - - error: $(head -n 1 /tmp/bench.err)"
		return 1
	fi
	set -- $out
	case $how in
	ms) v=$(awk -v t="$1" 'BEGIN { printf "%.3f", t * 1000 }') ;;
	MB) v=$(awk -v t="$1" -v a="$3" 'BEGIN { printf "%.3f", a / 1e6 / t }') ;;
	*) v=$(awk -v t="$1" -v a="$3" 'BEGIN { printf "%.3f", a / t }') ;;
	esac
	result "$g $c $pr $r $v $u"
}

# Start of a peer's rows: one mount failure is a row, not the end.
peer_error() {
	result "$1 $2 $3 - - error: $4"
}

# reps GROUP CASE PEER FN [PATH...]: FN PEER REP once per repetition, each
# on a fresh writable mount of PEER (peer_up PEER PATH...); a failed mount
# is one error row and ends the peer's repetitions.
reps() {
	rg=$1 rc=$2 rp=$3 rfn=$4
	shift 4
	rr=1
	while [ $rr -le "$REPS" ]; do
		peer_up "$rp" "$@" || { peer_error "$rg" "$rc" "$rp" "mount failed"; return; }
		"$rfn" "$rp" "$rr"
		peer_down
		rr=$((rr + 1))
	done
}

# mixed_job [WRAPPER...]: workload 8, the seed profile's job: two fio
# writers of many small and medium files (16 KiB to 2 MiB) in $MNT/out
# and one reader of the inputs in $MNT/d000..d003, for at most
# BENCH_MAX_SECONDS.  Terse output (one line, all jobs) in /tmp/fio.out.
mixed_job() {
	"$@" fio --minimal --group_reporting --output=/tmp/fio.out \
		--runtime="${BENCH_MAX_SECONDS:-60}" \
		--name=out --directory="$MNT/out" --rw=write --bs=64k \
		--nrfiles=200 --filesize=16k-2m --numjobs=2 \
		--file_service_type=sequential \
		--name=in --opendir="$MNT/d000" --opendir="$MNT/d001" \
		--opendir="$MNT/d002" --opendir="$MNT/d003" --rw=read --bs=64k
}

meminfo() {	# meminfo FIELD: kB
	awk -v f="$1:" '$1 == f { print $2 }' /proc/meminfo
}
