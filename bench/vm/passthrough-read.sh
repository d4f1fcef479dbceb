# SPDX-License-Identifier: GPL-2.0
#
# bench/vm/passthrough-read.sh BEFORE_KO FIXTURES REPS (bench/passthrough-read):
# cold sequential reads of big/huge.bin on tmpfs, through overlayfs over
# it, and through bundlefs with the module BEFORE_KO and with $BUNDLEFS_KO:
# read-only, and writable with the file in its own page cache.
set -u
before=$1 fix=$2 reps=$3
T=/pt
mkdir -p $T && mount -t tmpfs -o size=90% tmpfs $T || exit 1
mkdir -p $T/cas/Data $T/src/big $T/mnt $T/empty
while read -r h off len; do
	"$fix/bin/counter-fill" "$off" "$len" >$T/cas/Data/$h.xxh128 || exit 1
	cat $T/cas/Data/$h.xxh128 >>$T/src/big/huge.bin
done <"$fix/rich/big.chunks"
size=$(stat -c %s $T/src/big/huge.bin)

now() { cut -d' ' -f1 /proc/uptime; }

mount_peer() {
	case $1 in
	tmpfs) mount --bind $T/src $T/mnt ;;
	# without an upper layer, 6.1 wants two lower ones
	overlayfs) mount -t overlay overlay -o lowerdir=$T/src:$T/empty $T/mnt ;;
	bundlefs-own-*)
		# writable, and switched to its own page cache by a fallocate
		# that changes no byte: readahead fills from the objects
		rm -rf $T/upper && mkdir -p $T/upper &&
			bundlefs mount "$fix/rich/manifest.json" $T/mnt --cache $T/cas --upper $T/upper &&
			bfs-pt falloc $T/mnt/big/huge.bin 0 4096 ;;
	bundlefs-*) bundlefs mount "$fix/rich/manifest.json" $T/mnt --cache $T/cas ;;
	esac
}

for module in before after; do
	rmmod bundlefs
	if [ $module = before ]; then insmod "$before"; else insmod "$BUNDLEFS_KO"; fi || exit 1
	r=1
	while [ $r -le "$reps" ]; do
		for p in tmpfs overlayfs bundlefs-$module bundlefs-own-$module; do
			mount_peer $p || exit 1
			sync
			echo 3 >/proc/sys/vm/drop_caches
			t0=$(now)
			bfs-io read $T/mnt/big/huge.bin >/dev/null || exit 1
			t1=$(now)
			umount $T/mnt
			awk -v p=$p -v r=$r -v s=$size -v a=$t0 -v b=$t1 \
				'BEGIN { printf "R %s %d %.1f\n", p, r, s / 1e6 / (b - a) }'
		done
		r=$((r + 1))
	done
done | tee /tmp/pt.out
echo "# medians (MB/s):"
awk '$1 == "R" { v[$2] = v[$2] " " $4 } END { for (p in v) print p, v[p] }' /tmp/pt.out |
	while read -r p vals; do
		echo "$p $(echo $vals | tr ' ' '\n' | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')"
	done | sort
