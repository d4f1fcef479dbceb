# SPDX-License-Identifier: GPL-2.0
#
# Writable mounts (upper=DIR), sourced by tests/vm/run-all.sh: the cases
# named t_w_*.  Each case makes its own mount at /tmp/w-NAME over a fresh
# tmpfs upper directory /tmp/u-NAME and checks exact bytes, listings and
# error messages, across unmount and mount again.

# wmount NAME MANIFEST [OPTIONS...]: a writable mount; sets W, U, WM.
wmount() {
	W=/tmp/w-$1 U=/tmp/u-$1 WM=$2
	shift 2
	mkdir -p "$W" "$U"
	is_mounted "$U" || mount -t tmpfs -o size=512m tmpfs "$U" || fail "tmpfs on $U"
	bundlefs mount "$WM" "$W" --cache "$CAS" --upper "$U" "$@" ||
		fail "bundlefs mount --upper $U: exit $?"
}

# wremount [OPTIONS...]: unmount and mount the same manifest and upper.
wremount() {
	umount "$W" || fail "umount $W"
	bundlefs mount "$WM" "$W" --cache "$CAS" --upper "$U" "$@" ||
		fail "mounting $W again: exit $?"
}

wdone() {
	umount "$W" 2>/dev/null
	umount "$U" 2>/dev/null
	true
}

# snapshot FILE: listing of the mount and hashes of the files below
# $HASHED (default: all; the rich bundle's 256 MiB file is slow to hash).
snapshot() {
	bfs-tree "$W" >"$1.raw" || fail "bfs-tree $W"
	for d in ${HASHED:-.}; do
		bfs-tree -x "$W/$d" >"$1.x" || fail "bfs-tree -x $W/$d"
		sed "s|^|$d/|" "$1.x" >>"$1.raw"
	done
	LC_ALL=C sort "$1.raw" >"$1"
}

same_after_remount() {	# the tree, bytes, modes and times survive
	snapshot /tmp/before
	wremount "$@"
	snapshot /tmp/after
	diff /tmp/before /tmp/after >/tmp/remount.diff ||
		{ head -n 20 /tmp/remount.diff; fail "the tree changed across unmount and mount ($(grep -c '^[<>]' /tmp/remount.diff) lines)"; }
}

t_w_mount_rw() {
	wmount rw "$TINY/manifest.json"
	line=$(awk -v m="$W" '$2 == m' /proc/mounts)
	case $line in
	*" rw,"*"upper=$U"*) ;;
	*) fail "expected a rw mount with upper=$U in /proc/mounts, got '$line'" ;;
	esac
	# free space is the upper directory's
	expect_eq "statfs blocks" "$(stat -f -c '%b %S' "$U")" "$(stat -f -c '%b %S' "$W")"
	expect_eq "statfs type" 424e444c "$(stat -f -c %t "$W")"
	expect_eq "a.txt before any write" "tiny a" "$(cat "$W/a.txt")"
	wdone
}

t_w_create_persist() {
	wmount cp "$TINY/manifest.json"
	echo "new file" >"$W/new.txt" || fail "create new.txt"
	mkdir -p "$W/nd/deeper" || fail "mkdir nd/deeper"
	printf 'x%.0s' $(seq 5000) >"$W/nd/deeper/five-k" || fail "write five-k"
	ln -s ../a.txt "$W/nd/up" || fail "symlink"
	echo "more" >>"$W/a.txt" || fail "append to a.txt"
	chmod 600 "$W/b.txt" || fail "chmod b.txt"
	chmod 711 "$W/nd" || fail "chmod nd"
	touch -d "2001-02-03 04:05:06" "$W/d/c.txt" || fail "touch -d"
	rm "$W/d/link" || fail "rm d/link"
	expect_eq "new.txt" "new file" "$(cat "$W/new.txt")"
	expect_eq "a.txt appended" "$(printf 'tiny a\nmore')" "$(cat "$W/a.txt")"
	expect_eq "through the new link" "$(printf 'tiny a\nmore')" "$(cat "$W/nd/up")"
	expect_eq "five-k size" 5000 "$(stat -c %s "$W/nd/deeper/five-k")"
	same_after_remount
	expect_eq "mode of b.txt after remount" 600 "$(stat -c %a "$W/b.txt")"
	expect_eq "mode of nd after remount" 711 "$(stat -c %a "$W/nd")"
	expect_eq "mtime of d/c.txt after remount" 981173106 "$(stat -c %Y "$W/d/c.txt")"
	[ -e "$W/d/link" ] && fail "d/link is back after remount"
	expect_eq "nlink of nd (. and deeper)" 3 "$(stat -c %h "$W/nd")"
	# twice: the rewritten journal replays to the same tree
	same_after_remount
	wdone
}

# A 4 KiB write into the middle of a 256 MiB + 12345 file: the upper
# directory holds that page, not the file; the rest still comes from the
# object.
t_w_cow_page() {
	wmount cow "$RICH/manifest.json"
	f=big/huge.bin
	off=$((5 << 20))
	head -c 4096 /dev/urandom >/tmp/page
	dd if=/tmp/page of="$W/$f" bs=4096 seek=$((off / 4096)) conv=notrunc 2>/dev/null ||
		fail "dd into $f"
	sync
	ino=$(stat -c %i "$W/$f")
	[ -f "$U/$ino.data" ] || fail "no upper data file $ino.data: $(ls "$U")"
	used=$(($(stat -c %b "$U/$ino.data") * 512))
	[ "$used" -le 8192 ] || fail "the upper data file uses $used bytes for one 4 KiB write"
	total=$(du -sk "$U" | cut -f1)
	[ "$total" -le 64 ] || fail "the upper directory holds $total KiB after a 4 KiB write"
	expect_eq "size" $((C + 12345)) "$(stat -c %s "$W/$f")"
	for pass in first remount; do
		dd if="$W/$f" bs=4096 skip=$((off / 4096)) count=1 2>/dev/null | cmp -s - /tmp/page ||
			fail "$pass: the written page differs"
		for at in $((off - 4096)) $((off + 4096)) $((C - 4096)) $C; do
			dd if="$W/$f" bs=4096 skip=$((at / 4096)) count=1 2>/dev/null >/tmp/got
			dd if="$RICH/src/$f" bs=4096 skip=$((at / 4096)) count=1 2>/dev/null >/tmp/want
			cmp -s /tmp/got /tmp/want || fail "$pass: page at $at differs from the object"
		done
		[ $pass = first ] && { wremount; echo 3 >/proc/sys/vm/drop_caches; }
	done
	wdone
}

t_w_partial_writes() {
	wmount pw "$RICH/manifest.json"
	f=sizes/s8193.bin
	cp "$RICH/src/$f" /tmp/shadow
	# 3 bytes across the first page boundary, 1 byte at the end
	printf 'ABC' | dd of="$W/$f" bs=1 seek=4095 conv=notrunc 2>/dev/null
	printf 'ABC' | dd of=/tmp/shadow bs=1 seek=4095 conv=notrunc 2>/dev/null
	printf 'Z' | dd of="$W/$f" bs=1 seek=8192 conv=notrunc 2>/dev/null
	printf 'Z' | dd of=/tmp/shadow bs=1 seek=8192 conv=notrunc 2>/dev/null
	cmp "$W/$f" /tmp/shadow || fail "$f after partial writes"
	echo 3 >/proc/sys/vm/drop_caches
	cmp "$W/$f" /tmp/shadow || fail "$f after dropping caches"
	wremount
	cmp "$W/$f" /tmp/shadow || fail "$f after remount"
	wdone
}

t_w_truncate() {
	wmount tr "$RICH/manifest.json"
	f=sizes/s65537.bin
	truncate -s 5000 "$W/$f" || fail "truncate to 5000"
	truncate -s 20000 "$W/$f" || fail "truncate to 20000"
	head -c 5000 "$RICH/src/$f" >/tmp/want
	head -c 15000 /dev/zero >>/tmp/want
	cmp "$W/$f" /tmp/want || fail "shrink then extend: not the first 5000 bytes and zeros"
	echo 3 >/proc/sys/vm/drop_caches
	cmp "$W/$f" /tmp/want || fail "after dropping caches"
	wremount
	cmp "$W/$f" /tmp/want || fail "after remount"
	: >"$W/$f" || fail "O_TRUNC"
	expect_eq "size after O_TRUNC" 0 "$(stat -c %s "$W/$f")"
	wremount
	expect_eq "size after O_TRUNC and remount" 0 "$(stat -c %s "$W/$f")"
	wdone
}

t_w_rename_dir() {
	wmount rd "$RICH/manifest.json"
	(cd "$W/a" && bfs-tree . | LC_ALL=C sort) >/tmp/a.list
	mv "$W/a" "$W/a2" || fail "mv a a2"
	[ -e "$W/a" ] && fail "a still there after the rename"
	(cd "$W/a2" && bfs-tree . | LC_ALL=C sort) >/tmp/a2.list
	diff /tmp/a.list /tmp/a2.list >/dev/null || fail "the listing under a2 differs from a's"
	echo "written after the rename" >"$W/a2/b/c/d/e/f/deep.txt" || fail "write into the renamed tree"
	mv "$W/a2/b" "$W/top-b" || fail "mv a2/b top-b"
	HASHED="a2 top-b" same_after_remount
	expect_eq "deep.txt" "written after the rename" "$(cat "$W/top-b/c/d/e/f/deep.txt")"
	wdone
}

t_w_rmdir() {
	wmount rm "$TINY/manifest.json"
	expect_err "rmdir of a manifest dir with entries" "Directory not empty" rmdir "$W/d"
	rm -r "$W/d/e" "$W/d/c.txt" "$W/d/link" || fail "rm the entries of d"
	expect_eq "d now empty" "" "$(ls -A "$W/d")"
	rmdir "$W/d" || fail "rmdir d once empty"
	[ -e "$W/d" ] && fail "d still there"
	mkdir "$W/d" || fail "mkdir d again"
	expect_eq "the new d is empty" "" "$(ls -A "$W/d")"
	echo again >"$W/d/c.txt" || fail "create d/c.txt again"
	same_after_remount
	expect_eq "new d/c.txt" again "$(cat "$W/d/c.txt")"
	expect_eq "entries of d" c.txt "$(ls -A "$W/d")"
	wdone
}

t_w_foreign_upper() {
	wmount fu "$TINY/manifest.json"
	echo x >"$W/x" || fail "create x"
	umount "$W" || fail "umount"
	before=$(mounts_snapshot)
	n0=$(count_klog "upper directory refused")
	out=$(bundlefs mount "$SMALL/manifest.json" "$W" --cache "$CAS" --upper "$U" 2>&1)
	rc=$?
	expect_eq "exit of a mount with another manifest's upper" 1 $rc
	case $out in
	*"another manifest"*) ;;
	*) fail "expected a message about another manifest, got '$out'" ;;
	esac
	expect_eq "mounts after the refusal" "$before" "$(mounts_snapshot)"
	[ "$(count_klog "upper directory refused")" -gt "$n0" ] || fail "no kernel log line"
	# the right manifest still mounts, with its change
	bundlefs mount "$TINY/manifest.json" "$W" --cache "$CAS" --upper "$U" ||
		fail "mounting the right manifest again"
	expect_eq "x" x "$(cat "$W/x")"
	wdone
}

t_w_busy_upper() {
	wmount bu "$TINY/manifest.json"
	mkdir -p /tmp/w-bu2
	out=$(bundlefs mount "$TINY/manifest.json" /tmp/w-bu2 --cache "$CAS" --upper "$U" 2>&1)
	expect_eq "exit of a second mount of one upper" 3 $?
	case $out in
	*"busy"*) ;;
	*) fail "expected EBUSY, got '$out'" ;;
	esac
	is_mounted /tmp/w-bu2 && fail "the second mount is there"
	wdone
}

t_w_damaged_upper() {
	wmount du "$TINY/manifest.json"
	echo kept >"$W/kept" || fail "create kept"
	umount "$W"
	# a torn append at the end is dropped, the rest replays
	printf 'JRNL\377\377' >>"$U/journal"
	bundlefs mount "$TINY/manifest.json" "$W" --cache "$CAS" --upper "$U" ||
		fail "mount with a torn journal tail"
	expect_eq "kept after a torn tail" kept "$(cat "$W/kept")"
	umount "$W"
	# a damaged header is refused
	printf 'XXXX' | dd of="$U/journal" bs=1 conv=notrunc 2>/dev/null
	bundlefs mount "$TINY/manifest.json" "$W" --cache "$CAS" --upper "$U" >/tmp/out 2>&1
	expect_eq "exit with a damaged journal" 1 $?
	is_mounted "$W" && fail "mounted over a damaged journal"
	wdone
}

t_w_upper_checks() {
	mkdir -p /tmp/w-uc /tmp/u-uc-ro
	mount -t tmpfs -o ro tmpfs /tmp/u-uc-ro || fail "read-only tmpfs"
	bundlefs mount "$TINY/manifest.json" /tmp/w-uc --cache "$CAS" --upper /tmp/u-uc-ro >/tmp/out 2>&1
	expect_eq "exit with a read-only upper" 3 $?
	is_mounted /tmp/w-uc && fail "mounted over a read-only upper"
	dmesg | tail -n 5 | grep -q "read-only" || fail "no kernel log line about the read-only upper"
	umount /tmp/u-uc-ro
	bundlefs mount "$TINY/manifest.json" /tmp/w-uc --cache "$CAS" --upper /no/such >/tmp/out 2>&1
	expect_eq "exit with a missing upper" 3 $?
	is_mounted /tmp/w-uc && fail "mounted over a missing upper"
	true
}

t_w_enospc() {
	mkdir -p /tmp/u-ns
	mount -t tmpfs -o size=1m tmpfs /tmp/u-ns || fail "small tmpfs"
	wmount ns "$TINY/manifest.json"
	echo safe >"$W/safe" && sync
	out=$(dd if=/dev/zero of="$W/big" bs=64k count=64 conv=fsync 2>&1)
	case $out in
	*"No space left on device"*) ;;
	*) fail "expected ENOSPC writing 4 MiB into a 1 MiB upper, got '$out'" ;;
	esac
	expect_eq "other files intact" safe "$(cat "$W/safe")"
	expect_eq "a.txt intact" "tiny a" "$(cat "$W/a.txt")"
	rm -f "$W/big" || fail "rm big"
	sync
	dd if=/dev/zero of="$W/small" bs=64k count=2 conv=fsync 2>/dev/null ||
		fail "a write after space was freed"
	same_after_remount
	wdone
}

t_w_owner() {
	wmount ow "$TINY/manifest.json" --uid 65534 --gid 65534
	expect_eq "owner of a manifest file" 65534:65534 "$(stat -c %u:%g "$W/a.txt")"
	expect_eq "owner of the root" 65534:65534 "$(stat -c %u:%g "$W")"
	runas 65534 sh -c "echo job >'$W/job-output'" || fail "the job user cannot create in the root"
	expect_eq "owner of a new file" 65534:65534 "$(stat -c %u:%g "$W/job-output")"
	runas 65534 sh -c "echo more >>'$W/a.txt'" || fail "the job user cannot write a manifest file"
	chown 123:456 "$W/b.txt" || fail "chown by root"
	expect_err "chown by the job user" "Operation not permitted" runas 65534 chown 0 "$W/job-output"
	same_after_remount --uid 65534 --gid 65534
	expect_eq "chown after remount" 123:456 "$(stat -c %u:%g "$W/b.txt")"
	expect_eq "new file owner after remount" 65534:65534 "$(stat -c %u:%g "$W/job-output")"
	case $(awk -v m="$W" '$2 == m' /proc/mounts) in
	*",uid=65534,gid=65534"*) ;;
	*) fail "uid= and gid= not in /proc/mounts: $(awk -v m="$W" '$2 == m' /proc/mounts)" ;;
	esac
	wdone
}

t_w_errnos() {
	wmount en "$TINY/manifest.json"
	expect_err "mkdir over a file" "File exists" mkdir "$W/a.txt"
	expect_err "hard link" "Operation not permitted" ln "$W/a.txt" "$W/hard"
	expect_err "mknod" "Operation not permitted" mknod "$W/fifo" p
	expect_err "rmdir of a file" "Not a directory" rmdir "$W/a.txt"
	expect_err "rm of a missing name" "No such file or directory" rm "$W/nothing"
	expect_err "mv a dir into itself" "Invalid argument" mv "$W/d" "$W/d/e/d"
	mkdir "$W/full" && echo x >"$W/full/f"
	expect_err "mv a dir over a non-empty one" "Directory not empty" mv -T "$W/d/e" "$W/full"
	expect_err "mv a dir over a manifest dir with entries" "Directory not empty" mv -T "$W/empty" "$W/d"
	mv -T "$W/full" "$W/empty" || fail "mv a dir over an empty manifest dir"
	expect_eq "empty/f" x "$(cat "$W/empty/f")"
	same_after_remount
	wdone
}

# bfs-posix: the POSIX edge cases, with bundlefs' choices for links,
# O_DIRECT and xattrs, and --lower on a manifest directory.
t_w_posix() {
	wmount px "$RICH/manifest.json"
	bfs-posix --links eperm --odirect einval --xattr eopnotsupp \
		--lower "$W/a" "$W/posix-work" >/tmp/posix.out 2>&1
	rc=$?
	grep '^not ok' /tmp/posix.out | head -n 10
	tail -n 1 /tmp/posix.out
	[ $rc = 0 ] || fail "bfs-posix: $(grep -c '^not ok' /tmp/posix.out) cases failed"
	HASHED="posix-work sizes" same_after_remount
	wdone
}

# bfs-fsx: random writes, mmap writes, truncates, hole punches and
# fallocates against a shadow copy, with unmount and mount in between.
fsx_run() {	# fsx_run NAME FILE OPS [BFS-FSX OPTIONS...]
	name=$1 file=$2 ops=$3
	shift 3
	# the debug kernel (KASAN, kmemleak) runs a fifth of them
	[ -e /sys/kernel/debug/kmemleak ] && ops=$((ops / 5))
	cat >/tmp/remount-$name <<REMOUNT
umount "$W" && bundlefs mount "$WM" "$W" --cache "$CAS" --upper "$U"
REMOUNT
	bfs-fsx -q -N "$ops" -r 2500 -R "sh /tmp/remount-$name" "$@" "$W/$file" \
		>/tmp/fsx.out 2>&1 || { tail -n 40 /tmp/fsx.out; fail "bfs-fsx on $file: $(grep -m1 -i 'seed' /tmp/fsx.out)"; }
	tail -n 1 /tmp/fsx.out
}

# 100 000 operations in all, in cases of 25 000: one seed fixed, one new
# each run (bfs-fsx prints it; -S SEED replays it).
t_w_fsx_manifest() {
	wmount fm "$RICH/manifest.json"
	fsx_run fm sizes/s65537.bin 25000 -S 1
	wdone
}

t_w_fsx_manifest_seeded() {
	wmount fs "$RICH/manifest.json"
	fsx_run fs sizes/s1048577.bin 25000
	wdone
}

t_w_fsx_new() {
	wmount fn "$TINY/manifest.json"
	fsx_run fn new-file 25000 -S 2
	wdone
}

t_w_fsx_new_seeded() {
	wmount fz "$TINY/manifest.json"
	fsx_run fz new-file 25000
	wdone
}

# Across the 256 MiB chunk boundary of a two-chunk manifest file.
t_w_fsx_chunks() {
	wmount fc "$RICH/manifest.json"
	fsx_run fc big/huge.bin 5000 -I "$RICH/src/big/huge.bin" -H $C \
		-l $((C + (1 << 20)))
	wdone
}

# What a crash leaves: a copy of the upper directory (tmpfs is the
# "disk") taken after syncfs holds the whole tree; one taken after an fsync
# holds that file's data, size and mode.  Unlike an unmount, nothing
# rewrote the journal: this replays its entries as they were appended.
upper_copy() {	# upper_copy N: mount a copy of $U at /tmp/w-cc-N, sets W
	rm -rf /tmp/u-cc-$1
	mkdir -p /tmp/u-cc-$1 /tmp/w-cc-$1
	cp -a "$U/." /tmp/u-cc-$1/ || fail "copying the upper directory"
	W0=$W
	W=/tmp/w-cc-$1
	bundlefs mount "$WM" "$W" --cache "$CAS" --upper /tmp/u-cc-$1 ||
		fail "mounting copy $1: exit $?"
}

t_w_crash_copy() {
	wmount cc "$TINY/manifest.json"
	echo one >"$W/one" && mkdir "$W/dir" && mv "$W/d" "$W/dir/d" &&
		echo rewritten >"$W/a.txt" && chmod 700 "$W/dir" &&
		ln -s dir/d/c.txt "$W/to-c" && rm "$W/b.txt" && mkdir -p "$W/x/y" &&
		mv "$W/x/y" "$W/y" && rmdir "$W/x" || fail "changes before the sync"
	printf 'p%.0s' $(seq 9000) >"$W/dir/d/c.txt" || fail "rewrite c.txt"
	sync
	snapshot /tmp/cc-expect
	upper_copy 1
	snapshot /tmp/cc-got
	diff /tmp/cc-expect /tmp/cc-got >/tmp/cc.diff ||
		{ head -n 20 /tmp/cc.diff; fail "the copy taken after sync differs ($(grep -c '^[<>]' /tmp/cc.diff) lines)"; }
	umount "$W"
	W=$W0
	# after sync: one file changed and fsynced, its mode too
	chmod 640 "$W/a.txt"
	head -c 12345 /dev/urandom >/tmp/cc-data
	dd if=/tmp/cc-data of="$W/a.txt" bs=4096 conv=fsync 2>/dev/null || fail "dd conv=fsync"
	upper_copy 2
	cmp "$W/a.txt" /tmp/cc-data || fail "a.txt in the copy taken after its fsync"
	expect_eq "mode of a.txt in the copy" 640 "$(stat -c %a "$W/a.txt")"
	expect_eq "dir/d/c.txt in the copy" 9000 "$(stat -c %s "$W/dir/d/c.txt")"
	umount "$W"
	W=$W0
	wdone
}

# bundlefs diff: the exact diff manifest of known changes, hashed in the
# kernel, and --objects holding each listed file's bytes.
t_w_diff() {
	wmount df "$TINY/manifest.json"
	printf 'tiny A!' >"$W/a.txt" && touch -d @1700000000 "$W/a.txt" &&
		rm "$W/b.txt" && mv "$W/d" "$W/dd" && mkdir "$W/new" &&
		echo hello >"$W/new/h.txt" && touch -d @1700000001 "$W/new/h.txt" &&
		rmdir "$W/empty" && ln -s a.txt "$W/top-link" || fail "the changes"
	ha=$(printf 'tiny A!' | xxh128sum | cut -d' ' -f1)
	hh=$(echo hello | xxh128sum | cut -d' ' -f1)
	hm=$(xxh128sum <"$TINY/manifest.json" | cut -d' ' -f1)
	want='{"dirs":[{"delete":true,"name":"d"},{"name":"dd"},{"name":"dd/e"},{"delete":true,"name":"empty"},{"name":"new"}],'
	want=$want'"files":[{"hash":"'$ha'","mtime":1700000000000000,"name":"a.txt","size":7},{"delete":true,"name":"b.txt"},'
	want=$want'{"hash":"bcd8a91878c3e2fec9f4139090cdb01c","mtime":1679079744833848,"name":"dd/c.txt","size":7},'
	want=$want'{"hash":"bb0b6fdce89763687c970b324b066f0b","mtime":1679079744833848,"name":"dd/e/x.sh","runnable":true,"size":17},'
	want=$want'{"name":"dd/link","symlink":{"name":"c.txt"}},{"hash":"'$hh'","mtime":1700000001000000,"name":"new/h.txt","size":6},'
	want=$want'{"name":"top-link","symlink":{"name":"a.txt"}}],"hashAlg":"xxh128","manifestVersion":"2025-12-04-beta",'
	want=$want'"parentManifestHash":"'$hm'","totalSize":37}'
	rm -rf /tmp/df-objects
	bundlefs diff "$W" -o /tmp/diff.json --objects /tmp/df-objects || fail "bundlefs diff: exit $?"
	expect_eq "the diff manifest" "$want" "$(cat /tmp/diff.json)"
	expect_eq "object of a.txt" "tiny A!" "$(cat /tmp/df-objects/Data/$ha.xxh128)"
	expect_eq "object of new/h.txt" hello "$(cat /tmp/df-objects/Data/$hh.xxh128)"
	expect_eq "objects" 4 "$(ls /tmp/df-objects/Data | wc -l)"
	# stdout, and the same after an unmount and mount
	wremount
	expect_eq "the diff after remount" "$want" "$(bundlefs diff "$W")"
	# nothing changed: an empty diff
	umount "$W"
	rm -rf "$U"/*
	bundlefs mount "$WM" "$W" --cache "$CAS" --upper "$U" || fail "fresh mount"
	expect_eq "an empty diff" '{"dirs":[],"files":[],"hashAlg":"xxh128","manifestVersion":"2025-12-04-beta","parentManifestHash":"'$hm'","totalSize":0}' \
		"$(bundlefs diff "$W")"
	mkdir -p /tmp/w-df-ro
	bundlefs mount "$WM" /tmp/w-df-ro --cache "$CAS" || fail "a read-only mount"
	expect_err "diff of a read-only mount" "not a writable" bundlefs diff /tmp/w-df-ro
	umount /tmp/w-df-ro
	wdone
}

# tree_of DIR OUT: listing plus hashes, symlink mtimes left out (a
# manifest does not carry them).
tree_of() {
	{ bfs-tree "$1" | awk -F '\t' -v OFS='\t' '$2 == "l" { $5 = "-" } { print }'
	  bfs-tree -x "$1"; } | LC_ALL=C sort >"$2" || fail "bfs-tree $1"
}

# roundtrip NAME: diff the writable mount $W, apply the diff to $WM, mount
# the result read-only over $CAS plus the diff's objects and compare trees.
roundtrip() {
	obj=/tmp/$1-objects rcas=/tmp/$1-cas ro=/tmp/$1-ro
	rm -rf "$obj" "$rcas" && mkdir -p "$rcas/Data" "$ro"
	tree_of "$W" /tmp/$1-rw.tree
	bundlefs diff "$W" -o /tmp/$1-diff.json --objects "$obj" ||
		fail "bundlefs diff: exit $?"
	bundlefs apply "$WM" /tmp/$1-diff.json -o /tmp/$1-applied.json ||
		fail "bundlefs apply: exit $?"
	# the cache: the diff's objects, and the base's for what the diff kept
	cp "$obj"/Data/* "$rcas/Data/" 2>/dev/null
	for h in $(grep -o '"hash":"[0-9a-f]*"' /tmp/$1-applied.json | cut -d'"' -f4); do
		[ -e "$rcas/Data/$h.xxh128" ] || cp "$CAS/Data/$h.xxh128" "$rcas/Data/" ||
			fail "object $h of the applied manifest is in neither cache"
	done
	bundlefs mount /tmp/$1-applied.json "$ro" --cache "$rcas" ||
		fail "mounting the applied manifest: exit $?"
	tree_of "$ro" /tmp/$1-ro.tree
	umount "$ro"
	diff /tmp/$1-rw.tree /tmp/$1-ro.tree >/tmp/$1-tree.diff ||
		{ head -n 20 /tmp/$1-tree.diff; fail "the applied manifest shows another tree ($(grep -c '^[<>]' /tmp/$1-tree.diff) lines differ)"; }
	expect_eq "objects written by diff --objects" "$2" "$(ls "$obj/Data" | wc -l)"
}

t_w_apply() {
	# a v2 base: rewrite, append, truncate, delete, rename into a new
	# directory, an emptied and a new empty directory, exec bit, symlink
	wmount ap "$TINY/manifest.json"
	printf 'T' | dd of="$W/a.txt" bs=1 seek=2 conv=notrunc 2>/dev/null &&
		echo more >>"$W/b.txt" && : >"$W/d/c.txt" && rm "$W/d/e/x.sh" &&
		mkdir -p "$W/n/m" "$W/n/void" && mv "$W/d/link" "$W/n/m/moved-link" &&
		mv "$W/d/e" "$W/n/m/e" && printf '#!/bin/sh\n' >"$W/n/run" &&
		chmod 755 "$W/n/run" && touch -d @1700000002 "$W/n/run" &&
		ln -s ../a.txt "$W/n/up" && rmdir "$W/empty" ||
		fail "the changes on the v2 base"
	expect_eq "a.txt as written" "tiTy a" "$(cat "$W/a.txt")"
	# new content: a.txt, b.txt, the empty c.txt and n/run
	roundtrip ap-v2 4
	wdone
	# a v1 base: its directories are only implied; one emptied stays
	wmount ap1 "$SMALL/manifest.json"
	rm "$W/a/b/c/d/e/deep.txt" "$W/textures/wood.png" &&
		mv "$W/scenes/shot010" "$W/scenes/shot011" && rm -r "$W/emoji" &&
		printf 'x%.0s' $(seq 9000) >"$W/textures/new.png" &&
		dd if=/dev/zero of="$W/scenes/shot020/main.blend" bs=1 count=3 seek=4096 conv=notrunc 2>/dev/null ||
		fail "the changes on the v1 base"
	# objects: new.png, shot020's new bytes, and the two files moved
	# with shot011 (a diff lists what is below a moved directory)
	roundtrip ap-v1 4
	wdone
}
