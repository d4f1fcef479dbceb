# SPDX-License-Identifier: GPL-2.0
#
# bench/vm/scale.sh IMAGES: workloads 6 and 7 of bench/README.md, bundlefs
# only.  IMAGES holds m<N>.img, the images bench/run encoded on the host
# from manifests of N entries (m<N>.json, made-up hashes).
#   6: the load ioctl's time, and kernel memory (slab + vmalloc) per entry
#      after the load, after a stat of every entry, after drop_caches
#   7: `bundlefs diff` of a writable mount of the 100 000-entry manifest
#      with 1 and with 1000 files rewritten
. "$(dirname "$0")/lib.sh"
IMAGES=$1

bench_init
mkdir -p "$B/cas/Data"
kmem() { echo $(( $(meminfo Slab) + $(meminfo VmallocUsed) )); }

for img in "$IMAGES"/m*.img; do
	n=$(basename "$img" .img)
	n=${n#m}
	cp "$img" "$B/image"
	r=1
	while [ $r -le "$REPS" ]; do
		mount -t bundlefs -o "cache=$B/cas" bundlefs "$MNT" ||
			{ peer_error scale "load-$n" bundlefs "mount failed"; break; }
		drop_caches
		k0=$(kmem)
		measure scale "load-$n" bundlefs "$r" ms ms \
			bench-io run bundlefs load --image "$B/image" "$MNT"
		if [ $r = 1 ]; then
			k1=$(kmem)
			bench-io walk "$MNT" stat >/dev/null
			k2=$(kmem)
			drop_caches
			k3=$(kmem)
			for x in "load $k1" "stat-walk $k2" "drop-caches $k3"; do
				set -- $x
				result "scale mem-$1-$n bundlefs 1 $(( ($2 - k0) * 1024 / n )) B/entry"
			done
		fi
		umount "$MNT"
		r=$((r + 1))
	done
done
rm -f "$B/image"

# 7: diff of a 100 000-entry writable mount
m=$IMAGES/m100000.json
if [ -f "$m" ]; then
	for changed in 1 1000; do
		rm -rf "$B/upper" && mkdir -p "$B/upper"
		bundlefs mount "$m" "$MNT" --cache "$B/cas" --upper "$B/upper" ||
			{ peer_error scale "diff-$changed" bundlefs "mount failed"; continue; }
		# rewrite whole files: no object needs to be read (bench-gen's
		# manifest puts file i in directory i / 100 of 1000)
		i=0
		while [ $i -lt $changed ]; do
			printf 'changed %d\n' $i >"$(printf '%s/d%03d/f%07d' "$MNT" $((i / 100)) $i)" || break
			i=$((i + 1))
		done
		r=1
		while [ $r -le "$REPS" ]; do
			measure scale "diff-$changed" bundlefs "$r" ms ms \
				bench-io run bundlefs diff "$MNT" -o "$B/diff.json"
			r=$((r + 1))
		done
		n=$(grep -o '"hash"' "$B/diff.json" | wc -l)
		[ "$n" = "$changed" ] ||
			peer_error scale "diff-$changed" bundlefs "the diff lists $n files, not $changed"
		umount "$MNT"
	done
fi
say "done"
