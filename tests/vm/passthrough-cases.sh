# SPDX-License-Identifier: GPL-2.0
#
# Pass-through reads (kmod/passthrough.c), sourced by tests/vm/run-all.sh:
# the cases named t_pt_*.  A manifest file nobody wrote is read, spliced
# and (when it is one object) mapped straight from its object; the first
# write, truncate, fallocate or shared writable mapping switches it to
# bundlefs' own page cache.  Most cases use a cache on the VM's tmpfs,
# /tmp/ptc, made once: the big file's two chunks written by counter-fill
# and the objects of a few small files.  `bfs-pt map` tells which file a
# mapping maps (the object when it passes through) and how many of its
# pages are cached, without touching them.

PTC=/tmp/ptc
PT_FILES="sizes/s4095.bin sizes/s4097.bin sizes/s8193.bin sizes/s65537.bin
sizes/s131073.bin sizes/s1048577.bin top.txt"

pt_hash() {	# pt_hash PATH: a rich file's whole-file xxh128
	awk -F'\t' -v p="$1" '$1 == p { print $2 }' "$RICH/expected.xxh"
}

pt_cache() {
	[ -e $PTC/ready ] && return 0
	rm -rf $PTC
	mkdir -p $PTC/Data
	while read -r h off len; do
		"$FIX/bin/counter-fill" "$off" "$len" >$PTC/Data/$h.xxh128 ||
			fail "counter-fill $off $len: exit $?"
	done <"$RICH/big.chunks"
	# one chunk each: the object is named by the whole-file hash
	for f in $PT_FILES; do
		cp "$CAS/Data/$(pt_hash $f).xxh128" $PTC/Data/ || fail "copying the object of $f"
	done
	touch $PTC/ready
}

# pt_ro MNT: the rich bundle read-only over $PTC, unmounted when the case ends
pt_ro() {
	pt_cache
	mkdir -p "$1"
	bundlefs mount "$RICH/manifest.json" "$1" --cache $PTC || fail "mount over $PTC: exit $?"
	trap "umount '$1' 2>/dev/null" EXIT
}

# pt_rw NAME: the rich bundle writable over $PTC (wmount's W, U, WM;
# wremount and same_after_remount keep using $PTC)
pt_rw() {
	pt_cache
	CAS=$PTC
	wmount "$1" "$RICH/manifest.json"
	trap wdone EXIT
}

pt_cmp() {	# pt_cmp MODE MNT FILE OFFSET LENGTH: bfs-io MODE vs the source
	bfs-io "$1" "$2/$3" "$4" "$5" >/tmp/got 2>/tmp/err ||
		fail "bfs-io $1 $3 @$4+$5: $(cat /tmp/err)"
	bfs-io pread "$RICH/src/$3" "$4" "$5" >/tmp/want || fail "reading the source $3"
	cmp -s /tmp/got /tmp/want ||
		fail "$1 of $3 @$4+$5 through $2: $(wc -c </tmp/got) bytes differ from the source's $(wc -c </tmp/want)"
}

pt_pread() {	# pt_pread MNT FILE OFFSET LENGTH EXPECTED-BYTES: one pread(2)
	bfs-pt pread "$1/$2" "$3" "$4" >/tmp/got 2>/tmp/err || fail "pread $2 @$3+$4: $(cat /tmp/err)"
	expect_eq "bytes of one pread of $2 @$3+$4" "$5" "$(wc -c </tmp/got)"
	bfs-io pread "$RICH/src/$2" "$3" "$5" | cmp -s - /tmp/got ||
		fail "pread of $2 @$3+$4 differs from the source"
}

pt_map() {	# pt_map FILE: `resident=R pages=P path=PATH` of a new mapping
	bfs-pt map "$1" 2>&1 || fail "bfs-pt map $1: exit $?"
}

pt_pages() { echo $((($1 + 4095) / 4096)); }

HUGE_SIZE=$((C + 12345))

t_pt_read_exact() {
	m=/tmp/pt-ro
	pt_ro $m
	want=$(pt_hash $BIG)
	expect_eq "xxh128 of $BIG read whole" "$want" "$(xxh128sum <$m/$BIG | cut -d' ' -f1)"
	# single reads across the chunk boundary, unaligned, at and past EOF
	pt_pread $m $BIG $((C - 100000)) 200000 112345
	pt_pread $m $BIG $((C - 1)) 2 2
	pt_pread $m $BIG $((C - 4097)) 8194 8194
	pt_pread $m $BIG $((C - 3)) $((12345 + 3)) $((12345 + 3))
	pt_pread $m $BIG $((HUGE_SIZE - 1000)) 5000 1000
	pt_pread $m $BIG $((HUGE_SIZE - 1)) 1 1
	pt_pread $m $BIG $HUGE_SIZE 10 0
	pt_pread $m $BIG $((HUGE_SIZE + 4096)) 10 0
	pt_pread $m sizes/s4097.bin 4095 100 2
	pt_pread $m sizes/s4097.bin 1 4096 4096
	pt_cmp read $m $BIG $((C - 300001)) 600003
	for f in $PT_FILES; do
		cmp -s $m/$f "$RICH/src/$f" || fail "$f differs from the source"
	done
	expect_eq "O_DIRECT open (no direct I/O, as before)" EINVAL "$(bfs-pt odirect $m/top.txt)"
	# the whole file was read, yet bundlefs cached none of it: its own
	# pages (a mapping of a two-chunk file uses them) are all absent
	expect_eq "the big file's own pages after reading it" \
		"resident=0 pages=$(pt_pages $HUGE_SIZE) path=$m/$BIG" "$(pt_map $m/$BIG)"
}

t_pt_splice() {
	m=/tmp/pt-ro
	pt_ro $m
	for mode in splice sendfile; do
		pt_cmp $mode $m $BIG $((C - 70000)) 82345
		pt_cmp $mode $m $BIG $((C - 1)) 12346
		pt_cmp $mode $m sizes/s1048577.bin 0 1048577
		pt_cmp $mode $m sizes/s4097.bin 4000 97
	done
	expect_eq "the big file's own pages after splicing it" \
		"resident=0 pages=$(pt_pages $HUGE_SIZE) path=$m/$BIG" "$(pt_map $m/$BIG)"
}

t_pt_mmap_ro() {
	m=/tmp/pt-ro
	pt_ro $m
	f=sizes/s1048577.bin
	# one object: the mapping is the object's, all of whose pages tmpfs holds
	expect_eq "a mapping of $f" "resident=257 pages=257 path=$PTC/Data/$(pt_hash $f).xxh128" "$(pt_map $m/$f)"
	pt_cmp mmap $m $f 0 1048577
	pt_cmp mmap $m sizes/s4097.bin 0 4097
	pt_cmp mmap $m sizes/s4097.bin 4096 1
	# two chunks: bundlefs' own pages, filled by the faults
	pt_cmp mmap $m $BIG $((C - 8192)) 16384
	pt_cmp mmap $m $BIG $((C + 4096)) 8249
	expect_eq "a mapping of $BIG" "path=$m/$BIG" "$(pt_map $m/$BIG | cut -d' ' -f3)"
	r=$(pt_map $m/$BIG | cut -d' ' -f1)
	[ "${r#resident=}" -ge 4 ] || fail "the big file's faulted pages are not in its own cache: $r"
}

# Reads after writes: the first write switches the file to the page cache.
t_pt_rw_coherence() {
	pt_rw co
	f=sizes/s65537.bin
	cmp -s "$W/$f" "$RICH/src/$f" || fail "$f before any write"
	expect_eq "a mapping of $f before a write" "path=$PTC/Data/$(pt_hash $f).xxh128" \
		"$(pt_map "$W/$f" | cut -d' ' -f3)"
	cp "$RICH/src/$f" /tmp/shadow
	for t in /tmp/shadow "$W/$f"; do
		printf 'written' | dd of="$t" bs=1 seek=30000 conv=notrunc 2>/dev/null || fail "dd into $t"
	done
	cmp "$W/$f" /tmp/shadow || fail "$f read after the write"
	expect_eq "a mapping of $f after a write" "path=$W/$f" "$(pt_map "$W/$f" | cut -d' ' -f3)"
	echo 3 >/proc/sys/vm/drop_caches
	cmp "$W/$f" /tmp/shadow || fail "$f after dropping caches"
	# across the chunk boundary of the big file
	pt_cmp read "$W" $BIG $((C - 8192)) 16384
	bfs-io pread "$RICH/src/$BIG" $((C - 8192)) 16384 >/tmp/big.shadow
	printf 'ACROSS' | dd of="$W/$BIG" bs=1 seek=$((C - 3)) conv=notrunc 2>/dev/null || fail "dd across the boundary"
	printf 'ACROSS' | dd of=/tmp/big.shadow bs=1 seek=$((8192 - 3)) conv=notrunc 2>/dev/null
	for pass in written remounted; do
		cmp "$W/$f" /tmp/shadow || fail "$pass: $f"
		bfs-pt pread "$W/$BIG" $((C - 8192)) 16384 | cmp -s - /tmp/big.shadow ||
			fail "$pass: $BIG across the boundary"
		[ $pass = written ] && wremount
	done
	expect_eq "a mapping of $f after remount" "path=$W/$f" "$(pt_map "$W/$f" | cut -d' ' -f3)"
	# a neighbour nobody wrote still passes through after the remount
	g=sizes/s4097.bin
	expect_eq "a mapping of the unwritten $g" "path=$PTC/Data/$(pt_hash $g).xxh128" \
		"$(pt_map "$W/$g" | cut -d' ' -f3)"
}

# Mappings made before the first write keep showing the object (as after
# an overlayfs copy-up); a shared mapping of a read-write descriptor
# switches the file when it is made, and so sees the write.
t_pt_mmap_order() {
	pt_rw mo
	f=sizes/s8193.bin
	cat "$W/$f" >/dev/null
	expect_eq "mappings before the first write" \
		"private old shared-ro old shared-rw new read new remap new" \
		"$(bfs-pt mmap-order "$W/$f" 4090 NEWBYTES 2>&1)"
	cp "$RICH/src/$f" /tmp/shadow
	printf NEWBYTES | dd of=/tmp/shadow bs=1 seek=4090 conv=notrunc 2>/dev/null
	cmp "$W/$f" /tmp/shadow || fail "$f after the write"
	wremount
	cmp "$W/$f" /tmp/shadow || fail "$f after remount"
}

t_pt_mmap_store() {
	pt_rw ms
	f=sizes/s8193.bin
	cmp -s "$W/$f" "$RICH/src/$f" || fail "$f before the mapping"
	expect_eq "read(2) of stores through a shared mapping" "before-msync new after new" \
		"$(bfs-pt mmap-store "$W/$f" 4090 ACROSSPAGE 2>&1)"
	cp "$RICH/src/$f" /tmp/shadow
	printf ACROSSPAGE | dd of=/tmp/shadow bs=1 seek=4090 conv=notrunc 2>/dev/null
	cmp "$W/$f" /tmp/shadow || fail "$f after the stores"
	wremount
	cmp "$W/$f" /tmp/shadow || fail "$f after remount"
}

# truncate and fallocate switch too: the bytes after them, and after a
# remount, are the page cache's and the upper directory's
t_pt_switch() {
	pt_rw sw
	f=sizes/s65537.bin g=sizes/s131073.bin h=sizes/s1048577.bin k=sizes/s4095.bin
	for x in $f $g $h $k; do
		cmp -s "$W/$x" "$RICH/src/$x" || fail "$x before any change"
	done
	truncate -s 5000 "$W/$f" || fail "truncate $f"
	truncate -s 9000 "$W/$f" || fail "extend $f"
	{ head -c 5000 "$RICH/src/$f"; head -c 4000 /dev/zero; } >/tmp/want.f
	bfs-pt punch "$W/$g" 8192 16384 || fail "punch $g"
	{ head -c 8192 "$RICH/src/$g"; head -c 16384 /dev/zero; tail -c +24577 "$RICH/src/$g"; } >/tmp/want.g
	bfs-pt falloc "$W/$h" 1048577 4096 || fail "fallocate past the end of $h"
	{ cat "$RICH/src/$h"; head -c 4096 /dev/zero; } >/tmp/want.h
	# mode 0 inside the file: no byte changes, the switch still happens
	bfs-pt falloc "$W/$k" 0 4095 || fail "fallocate inside $k"
	for pass in changed remounted; do
		cmp "$W/$f" /tmp/want.f || fail "$pass: $f shrunk then extended"
		cmp "$W/$g" /tmp/want.g || fail "$pass: $g with a hole"
		cmp "$W/$h" /tmp/want.h || fail "$pass: $h fallocated past its end"
		cmp "$W/$k" "$RICH/src/$k" || fail "$pass: $k fallocated inside"
		for x in $f $g $h $k; do
			expect_eq "$pass: a mapping of $x" "path=$W/$x" "$(pt_map "$W/$x" | cut -d' ' -f3)"
		done
		[ $pass = changed ] && wremount
	done
	: >"$W/top.txt" || fail "O_TRUNC"
	expect_eq "top.txt after O_TRUNC" 0 "$(wc -c <"$W/top.txt")"
}

# Files that never pass through: one made in the mount, and one to which
# an earlier mount left anything in the upper directory, be it only a data
# file (fallocate inside the file changes no byte and no range map).
t_pt_upper_files() {
	pt_rw up
	f=sizes/s4097.bin g=sizes/s8193.bin
	echo "made here" >"$W/new.txt" || fail "create new.txt"
	bfs-pt falloc "$W/$f" 0 4096 || fail "fallocate inside $f"
	sync
	[ -f "$U/$(stat -c %i "$W/$f").data" ] || fail "no data file for $f: $(ls "$U")"
	wremount
	expect_eq "new.txt after remount" "made here" "$(cat "$W/new.txt")"
	expect_eq "a mapping of the new file" "path=$W/new.txt" "$(pt_map "$W/new.txt" | cut -d' ' -f3)"
	cmp "$W/$f" "$RICH/src/$f" || fail "$f after remount"
	expect_eq "a mapping of $f (a data file from the last mount)" "path=$W/$f" \
		"$(pt_map "$W/$f" | cut -d' ' -f3)"
	expect_eq "a mapping of the untouched $g" "path=$PTC/Data/$(pt_hash $g).xxh128" \
		"$(pt_map "$W/$g" | cut -d' ' -f3)"
}

# A missing or short object: EIO on every path, also on a writable mount,
# and when the object shrinks after it was opened.
t_pt_broken() {
	for kind in missing trunc; do
		mnt=/tmp/pt-small-$kind u=/tmp/pt-small-u
		mkdir -p $mnt $u
		victim=$(cat "$SMALL/$kind.path")
		for how in ro rw; do
			set --
			[ $how = rw ] && { rm -rf $u/*; set -- --upper $u; }
			bundlefs mount "$SMALL/manifest.json" $mnt --cache "$SMALL/cas-$kind" "$@" ||
				fail "$how mount with cas-$kind: exit $?"
			for mode in read pread splice sendfile; do
				out=$(bfs-io $mode "$mnt/$victim" 2>&1 >/dev/null) &&
					{ umount $mnt; fail "$how $kind: $mode of $victim succeeded"; }
				case $out in
				*"Input/output error"*) ;;
				*) umount $mnt; fail "$how $kind: expected EIO from $mode, got '$out'" ;;
				esac
			done
			# a mapping is made (of bundlefs' pages); touching it is SIGBUS
			bfs-pt touch "$mnt/$victim" >/tmp/got 2>&1
			rc=$?
			cmp -s "$mnt/readme.txt" "$SMALL/src/readme.txt" || { umount $mnt; fail "$how $kind: readme.txt"; }
			umount $mnt || fail "umount"
			expect_eq "$how $kind: exit status of a mapping's read (SIGBUS)" 135 $rc
		done
	done
	dmesg | grep -q "cannot open object" || fail "no 'cannot open object' line in the kernel log"
	dmesg | grep -q "bytes, expected" || fail "no 'is N bytes, expected M' line in the kernel log"
	# an object cut short after it was opened: the read ends in EIO
	b=/tmp/pt-shrink
	rm -rf $b && mkdir -p $b/Data /tmp/pt-sm
	f=sizes/s65537.bin
	cp "$CAS/Data/$(pt_hash $f).xxh128" $b/Data/ || fail "copying an object"
	bundlefs mount "$RICH/manifest.json" /tmp/pt-sm --cache $b || fail "mount over $b"
	trap "umount /tmp/pt-sm 2>/dev/null" EXIT
	cmp -s /tmp/pt-sm/$f "$RICH/src/$f" || fail "$f before its object shrank"
	n0=$(count_klog "short read of chunk")
	truncate -s 30000 $b/Data/$(pt_hash $f).xxh128
	for mode in pread splice; do
		out=$(bfs-io $mode /tmp/pt-sm/$f 2>&1 >/tmp/got) && fail "$mode of a shrunk object succeeded"
		case $out in
		*"Input/output error"*) ;;
		*) fail "$mode of a shrunk object: expected EIO, got '$out'" ;;
		esac
		head -c 30000 "$RICH/src/$f" | cmp -s - /tmp/got || fail "$mode: the bytes before the cut differ"
	done
	[ "$(count_klog "short read of chunk")" -gt "$n0" ] || fail "no 'short read of chunk' line in the kernel log"
}

# The footprint: reading a file through one and through four read-only
# mounts of its manifest adds no page cache: the only copy is the
# object's.  The object is on tmpfs, whose pages count as Shmem, so what
# the mounts add is what Cached - Shmem grows by; with a page cache per
# mount it grew by the file's size per mount (64 and 256 MiB).  Each of
# the four reads takes another path: read, splice, mmap, sendfile.
t_pt_footprint() {
	rm -rf $PTC	# 256 MiB that only blur the measure
	d=/tmp/pt-foot size=$((64 << 20))
	rm -rf $d && mkdir -p $d/Data
	trap "for i in 1 2 3 4; do umount /tmp/pt-f\$i; done 2>/dev/null; rm -rf $d" EXIT
	"$FIX/bin/counter-fill" 0 $size >$d/obj || fail "counter-fill"
	h=$(xxh128sum <$d/obj | cut -d' ' -f1)
	mv $d/obj $d/Data/$h.xxh128
	printf '{"hashAlg":"xxh128","manifestVersion":"2023-03-03","paths":[{"hash":"%s","mtime":1700000000000000,"path":"f.bin","size":%d}],"totalSize":%d}' \
		$h $size $size >$d/manifest.json
	for i in 1 2 3 4; do
		mkdir -p /tmp/pt-f$i
		bundlefs mount $d/manifest.json /tmp/pt-f$i --cache $d || fail "mount $i: exit $?"
	done
	sync
	echo 3 >/proc/sys/vm/drop_caches
	added() { awk '$1 == "Cached:" { c = $2 } $1 == "Shmem:" { s = $2 } END { print c - s }' /proc/meminfo; }
	c0=$(added)
	bfs-io read /tmp/pt-f1/f.bin | xxh128sum >/tmp/sum1
	c1=$(added)
	i=2
	for mode in splice mmap sendfile; do
		bfs-io $mode /tmp/pt-f$i/f.bin | xxh128sum >/tmp/sum$i
		i=$((i + 1))
	done
	c4=$(added)
	for i in 1 2 3 4; do
		expect_eq "xxh128 through mount $i" "$h" "$(cut -d' ' -f1 /tmp/sum$i)"
	done
	echo "# Cached - Shmem: $(((c1 - c0) / 1024)) MiB more after one mount, $(((c4 - c0) / 1024)) MiB after four"
	[ $((c1 - c0)) -le 4096 ] ||
		fail "reading a $((size >> 20)) MiB file through one mount added $(((c1 - c0) >> 10)) MiB of page cache"
	[ $((c4 - c0)) -le 4096 ] ||
		fail "reading a $((size >> 20)) MiB file through four mounts added $(((c4 - c0) >> 10)) MiB of page cache"
}
