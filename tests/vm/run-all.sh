#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# bundlefs integration tests, run inside the VM by tests/run-vm-tests:
#
#   tests/vm/run-all.sh [--kernel-only] [--skip CASE]... [--vmfuzz N:DIR]
#                       FIXTURES_DIR [CASE...]
#
# Every case is a shell function t_NAME, run in its own process (under
# `timeout`) in the order of the CASES list below; it fails by calling
# `fail "expected X, got Y"` (or any command exiting non-zero under set -e).
# Prints `ok - NAME` or `not ok - NAME: why` per case and ends with
# `N passed, N failed`.  Runs as root under busybox sh.  FIXTURES_DIR is what
# tests/fixtures/gen-bundle made, plus bad-images/, tiny.img and
# bin/counter-fill (tests/run-vm-tests builds them).  Without CASE names,
# every case of CASES runs, less those of USERSPACE_CASES with --kernel-only
# and less each --skip CASE.  --vmfuzz N:DIR adds the vmfuzz case (DIR/vmfuzz
# sends N mutated images through the load ioctl, saving the one before a
# failure in DIR/saved), before rmmod_insmod if that runs, else last.
set -u

SELF=$(readlink -f "$0")

# Time limits.  Each case is killed past its limit: CASE_TIMEOUT (120 s)
# unless CASE_LIMITS names it (NAME=SECONDS; a bad_manifest/bad_image case
# goes by its group's name).  Debug kernels (KASAN, kmemleak) run several
# times slower: there every limit is multiplied by DEBUG_FACTOR/3 (default
# CASE_TIMEOUT 400 s).  A case that takes over a third of its limit says
# so (`# NAME: T s (over a third of its L s limit)`): on an idle machine
# none should, so that a loaded one does not kill it.
# hashes (256 MiB written to tmpfs and read back through bundlefs, ~460
# objects copied over 9p): 60-66 s with the machine at load 6-7, killed at
# 120 s at load 12 (other VM jobs on the machine).
# w_fsx_* (25 000 bfs-fsx operations with ten remounts) and w_posix: 39-43 s
# and up to 201 s on the debug kernel with the machine at load 10-12.
CASE_LIMITS="hashes=300 w_fsx_manifest=240 w_fsx_manifest_seeded=240
w_fsx_new=240 w_fsx_new_seeded=240 w_fsx_chunks=240 w_posix=240"
DEBUG_FACTOR=10
if [ -e /sys/kernel/debug/kmemleak ]; then
	CASE_TIMEOUT=${CASE_TIMEOUT:-400}
	scale=$DEBUG_FACTOR
else
	CASE_TIMEOUT=${CASE_TIMEOUT:-120}
	scale=3
fi
case_limit() {	# case_limit NAME: its limit in seconds
	for l in $CASE_LIMITS; do
		[ "${l%%=*}" = "$1" ] && { echo $((${l#*=} * scale / 3)); return; }
	done
	echo "$CASE_TIMEOUT"
}

# ------------------------------------------------------------- helpers

fail() { echo "FAIL: $*"; exit 1; }

# expect_eq WHAT EXPECTED GOT
expect_eq() { [ "$2" = "$3" ] || fail "$1: expected '$2', got '$3'"; }

# expect_err WHAT TEXT CMD...: CMD fails and says TEXT
expect_err() {
	what=$1 text=$2
	shift 2
	out=$("$@" 2>&1) && fail "$what: expected failure ($text), it succeeded"
	case $out in
	*"$text"*) ;;
	*) fail "$what: expected '$text', got '$(echo "$out" | head -n1)'" ;;
	esac
}

is_mounted() { awk -v m="$1" '$2 == m { f = 1 } END { exit !f }' /proc/mounts; }

mounts_snapshot() { grep -v ' /tmp/bad-empty ' /proc/mounts; }

need_rich() { is_mounted "$RM" || fail "the rich bundle is not mounted at $RM"; }

# count_klog TEXT: lines of the kernel log containing TEXT
count_klog() { dmesg | grep -cF -- "$1"; }

cmp_range() {	# cmp_range FILE OFFSET LENGTH: mount vs source bytes, via dd
	bs=1
	dd if="$RM/$1" of=/tmp/got bs=$bs skip=$2 count=$3 2>/dev/null || fail "dd $1 @$2 failed"
	dd if="$RICH/src/$1" of=/tmp/want bs=$bs skip=$2 count=$3 2>/dev/null || fail "dd source $1 @$2 failed"
	expect_eq "$1 bytes at $2 (length)" "$3" "$(wc -c </tmp/got)"
	cmp -s /tmp/got /tmp/want || fail "$1: bytes $2..+$3 differ from the source"
}

cmp_io() {	# cmp_io MODE FILE OFFSET LENGTH: bfs-io MODE vs source bytes
	bfs-io "$1" "$RM/$2" "$3" "$4" >/tmp/got 2>/tmp/err || fail "bfs-io $1 $2: $(cat /tmp/err)"
	bfs-io pread "$RICH/src/$2" "$3" "$4" >/tmp/want || fail "reading the source $2"
	cmp -s /tmp/got /tmp/want || fail "$1 of $2 @$3+$4 differs from the source ($(wc -c </tmp/got) bytes read)"
}

BIG=big/huge.bin
C=268435456	# chunk size: the boundary in the big file

# -------------------------------------------------------- the rich bundle

t_mount_rich() {
	mkdir -p "$RM"
	bundlefs mount "$RICH/manifest.json" "$RM" --cache "$CAS" ||
		fail "bundlefs mount of the rich v2 bundle: exit $?"
	is_mounted "$RM" || fail "$RM not in /proc/mounts after bundlefs mount"
}

t_listing() {
	need_rich
	bfs-tree "$RM" >/tmp/list.raw 2>/tmp/list.err || fail "bfs-tree: $(head -n1 /tmp/list.err)"
	LC_ALL=C sort /tmp/list.raw >/tmp/list
	diff "$RICH/expected.list" /tmp/list >/tmp/list.diff ||
		{ head -n 20 /tmp/list.diff; fail "listing differs from the manifest ($(grep -c '^[-+][^-+]' /tmp/list.diff) lines)"; }
}

t_hashes() {
	# Every file of the rich bundle, read whole through bundlefs, against
	# the manifest's hashes.  The bundle is mounted again over a cache on
	# the VM's tmpfs: its objects copied from $CAS, but the big file's
	# chunks (256 MiB + 12345 bytes) made here by counter-fill, the same
	# counter pattern gen-bundle wrote.  Read through bundlefs from the 9p
	# cache, those chunks alone took over 100 s under TCG; the 9p read
	# paths are covered by the range cases (chunk_boundary_dd, pread, mmap,
	# sendfile, splice, parallel_readers).  A wrong chunk cannot pass: the
	# whole-file hash of big/huge.bin in expected.xxh comes from the
	# source file gen-bundle wrote.
	lc=/tmp/cas-local
	mnt=/tmp/rich-local
	rm -rf $lc
	mkdir -p $lc/Data $mnt
	big=" $(cut -d' ' -f1 "$RICH/big.chunks" | tr '\n' ' ')"
	set --
	for o in "$CAS"/Data/*.xxh128; do
		n=${o##*/}
		case $big in *" ${n%.xxh128} "*) continue ;; esac
		set -- "$@" "$o"
	done
	cp "$@" $lc/Data/ || fail "copying $# objects to $lc"
	while read -r h off len; do
		"$FIX/bin/counter-fill" "$off" "$len" >$lc/Data/$h.xxh128 ||
			fail "counter-fill $off $len: exit $?"
	done <"$RICH/big.chunks"
	bundlefs mount "$RICH/manifest.json" $mnt --cache $lc ||
		fail "bundlefs mount of the rich bundle over $lc: exit $?"
	r=ok
	bfs-tree -x $mnt >/tmp/xxh.raw 2>/tmp/xxh.err || r="bfs-tree -x: $(head -n1 /tmp/xxh.err)"
	umount $mnt || r="umount $mnt"
	rm -rf $lc
	[ "$r" = ok ] || fail "$r"
	LC_ALL=C sort /tmp/xxh.raw >/tmp/xxh
	diff "$RICH/expected.xxh" /tmp/xxh >/tmp/xxh.diff ||
		{ head -n 20 /tmp/xxh.diff; fail "xxh128 differs for $(grep -c '^+' /tmp/xxh.diff) files"; }
}

t_xxh128sum_tool() {
	need_rich
	want=$(grep -F "$(printf 'sizes/s1048577.bin\t')" "$RICH/expected.xxh" | cut -f2)
	got=$(xxh128sum <"$RM/sizes/s1048577.bin" 2>/dev/null | cut -d' ' -f1)
	expect_eq "xxh128sum of sizes/s1048577.bin" "$want" "$got"
}

t_chunk_boundary_dd() {
	need_rich
	cmp_range $BIG $((C - 4096)) 8192
	cmp_range $BIG $((C - 7)) 14
	cmp_range $BIG $((C - 1)) 1
	cmp_range $BIG $C 1
	cmp_range $BIG $((C + 12345 - 100)) 100
	# whole pages on either side of the boundary, 4 KiB blocks
	dd if="$RM/$BIG" bs=4096 skip=$((C / 4096 - 2)) count=5 2>/dev/null >/tmp/got
	dd if="$RICH/src/$BIG" bs=4096 skip=$((C / 4096 - 2)) count=5 2>/dev/null >/tmp/want
	expect_eq "pages across the boundary" "$(xxh128sum </tmp/want | cut -d' ' -f1)" \
		"$(xxh128sum </tmp/got | cut -d' ' -f1)"
	# reading past the end gives nothing
	expect_eq "bytes past EOF" 0 "$(dd if="$RM/$BIG" bs=1 skip=$((C + 12345)) count=10 2>/dev/null | wc -c)"
}

t_pread_odd_sizes() {
	need_rich
	cmp_io pread $BIG $((C - 100000)) 200000
	cmp_io pread sizes/s65537.bin 0 65537
}

t_mmap() {
	need_rich
	cmp_io mmap sizes/s4097.bin 0 4097
	cmp_io mmap sizes/s1048577.bin 0 1048577
	cmp_io mmap $BIG $((C - 8192)) 16384
	cmp_io mmap $BIG $((C + 4096)) 8249
}

t_sendfile() {
	need_rich
	cmp_io sendfile sizes/s1048577.bin 0 1048577
	cmp_io sendfile $BIG $((C - 70000)) 82345
}

t_splice() {
	need_rich
	cmp_io splice sizes/s131073.bin 0 131073
	cmp_io splice $BIG $((C - 70000)) 82345
}

t_empty_file() {
	need_rich
	expect_eq "size of empty.txt" 0 "$(stat -c %s "$RM/empty.txt")"
	expect_eq "bytes read from empty.txt" 0 "$(cat "$RM/empty.txt" | wc -c)"
	expect_eq "bytes read from a/b/empty.bin" 0 "$(bfs-io read "$RM/a/b/empty.bin" | wc -c)"
	bfs-io mmap "$RM/empty.txt" >/dev/null || fail "mmap of an empty file"
}

t_page_sizes() {
	need_rich
	for n in 1 4095 4096 4097 8191 8192 8193 65535 65536 65537; do
		f=sizes/s$n.bin
		expect_eq "size of $f" $n "$(stat -c %s "$RM/$f")"
		cmp -s "$RM/$f" "$RICH/src/$f" || fail "$f differs from the source"
	done
}

t_symlinks() {
	need_rich
	expect_eq "readlink top-link" top.txt "$(readlink "$RM/top-link")"
	expect_eq "readlink links/to-dir" ../a/b "$(readlink "$RM/links/to-dir")"
	expect_eq "cat links/to-file" "top level file" "$(cat "$RM/links/to-file")"
	expect_eq "cat links/chain" "top level file" "$(cat "$RM/links/chain")"
	expect_eq "cat a/b/c/up" "top level file" "$(cat "$RM/a/b/c/up")"
	expect_eq "through a dir link" "six levels down" "$(cat "$RM/links/to-dir/c/d/e/f/deep.txt")"
	expect_eq "unicode target" "日本語" "$(cat "$RM/links/to-unicode")"
	expect_err "following a dangling link" "No such file or directory" cat "$RM/links/dangling"
	[ -L "$RM/links/dangling" ] || fail "links/dangling is not a symlink"
}

t_modes() {
	need_rich
	expect_eq "mode of top.txt" 644 "$(stat -c %a "$RM/top.txt")"
	expect_eq "mode of bin/run.sh" 755 "$(stat -c %a "$RM/bin/run.sh")"
	expect_eq "mode of a directory" 755 "$(stat -c %a "$RM/a/b")"
	expect_eq "owner of top.txt" 0:0 "$(stat -c %u:%g "$RM/top.txt")"
	expect_eq "running bin/run.sh" "run.sh says hello" "$("$RM/bin/run.sh")"
	expect_err "running a non-runnable file" "Permission denied" "$RM/bin/not-runnable.sh"
}

t_mtime() {
	need_rich
	want=$(grep -F "$(printf 'README\tf\t')" "$RICH/expected.list" | cut -f5)
	expect_eq "mtime of README" "$want" "$(stat -c %Y "$RM/README")"
}

t_lookup_errors() {
	need_rich
	expect_err "a missing name" "No such file or directory" stat "$RM/no-such-file"
	expect_err "a file used as a directory" "Not a directory" stat "$RM/top.txt/x"
	expect_eq "entries in many/" 300 "$(ls "$RM/many" | wc -l)"
	expect_eq "entries in the root" "$(grep -v / "$RICH/expected.list" | wc -l)" "$(ls -A "$RM" | wc -l)"
	expect_eq "inode of the root" 1 "$(stat -c %i "$RM")"
	ls -la "$RM/odd" >/dev/null || fail "ls -la of odd/"
	[ -f "$RM/odd/$(printf 'L%.0s' $(seq 255))" ] || fail "the 255-byte name is not found"
}

t_statfs() {
	need_rich
	expect_eq "statfs type" 424e444c "$(stat -f -c %t "$RM")"
	df "$RM" >/dev/null || fail "df on the mount"
}

t_proc_mounts() {
	need_rich
	line=$(awk -v m="$RM" '$2 == m' /proc/mounts)
	case $line in
	*" bundlefs "*) ;;
	*) fail "expected type bundlefs in /proc/mounts, got '$line'" ;;
	esac
	case $line in
	*"cache=$CAS"*) ;;
	*) fail "expected cache=$CAS in /proc/mounts, got '$line'" ;;
	esac
	case $line in
	*" ro,"*|*" ro "*) ;;
	*) fail "expected a read-only mount (ro), got '$line'" ;;
	esac
}

t_writes_refused() {
	need_rich
	E="Read-only file system"
	expect_err "touch a new file" "$E" touch "$RM/new-file"
	expect_err "touch an existing file" "$E" touch "$RM/top.txt"
	expect_err "echo > a file" "$E" sh -c "echo x > '$RM/top.txt'"
	expect_err "echo >> a file" "$E" sh -c "echo x >> '$RM/top.txt'"
	expect_err "mkdir" "$E" mkdir "$RM/new-dir"
	expect_err "rm a file" "$E" rm -f "$RM/top.txt"
	expect_err "rmdir" "$E" rmdir "$RM/empty-dir"
	expect_err "mv" "$E" mv "$RM/top.txt" "$RM/moved.txt"
	expect_err "ln -s" "$E" ln -s top.txt "$RM/new-link"
	expect_err "chmod" "$E" chmod 600 "$RM/top.txt"
	expect_err "truncate" "$E" truncate -s 0 "$RM/top.txt"
	expect_eq "top.txt afterwards" "top level file" "$(cat "$RM/top.txt")"
}

t_second_load_ebusy() {
	need_rich
	out=$(bundlefs load "$TINY/manifest.json" "$RM" 2>&1)
	rc=$?
	expect_eq "exit status of a second load" 3 "$rc"
	case $out in
	*"busy"*) ;;
	*) fail "expected EBUSY (busy), got '$out'" ;;
	esac
	expect_eq "the first bundle still there" "top level file" "$(cat "$RM/top.txt")"
}

t_unprivileged() {
	need_rich
	mkdir -p /tmp/unpriv
	chmod 777 /tmp/unpriv
	before=$(mounts_snapshot)
	out=$(runas 65534 bundlefs mount "$TINY/manifest.json" /tmp/unpriv --cache "$CAS" 2>&1)
	rc=$?
	expect_eq "exit status of bundlefs mount as uid 65534" 3 "$rc"
	case $out in
	*"Operation not permitted"*) ;;
	*) fail "mount as uid 65534: expected EPERM, got '$out'" ;;
	esac
	expect_eq "mounts after a refused mount" "$before" "$(mounts_snapshot)"
	mount -t bundlefs -o cache="$CAS" none /tmp/unpriv || fail "mount -t bundlefs as root"
	out=$(runas 65534 bundlefs load "$TINY/manifest.json" /tmp/unpriv 2>&1)
	rc=$?
	expect_eq "exit status of bundlefs load as uid 65534" 3 "$rc"
	case $out in
	*"Operation not permitted"*) ;;
	*) umount /tmp/unpriv; fail "load as uid 65534: expected EPERM, got '$out'" ;;
	esac
	n=$(ls -A /tmp/unpriv | wc -l)
	umount /tmp/unpriv
	expect_eq "entries after a refused load" 0 "$n"
	# reading is allowed to anyone
	expect_eq "read as uid 65534" "top level file" "$(runas 65534 cat "$RM/top.txt")"
}

t_drop_caches_reread() {
	need_rich
	sync
	echo 3 >/proc/sys/vm/drop_caches
	cmp_range $BIG $((C - 3)) 6
	cmp -s "$RM/sizes/s65537.bin" "$RICH/src/sizes/s65537.bin" || fail "s65537.bin after drop_caches"
}

t_parallel_readers() {
	need_rich
	echo 3 >/proc/sys/vm/drop_caches
	for i in 1 2 3 4; do
		bfs-io pread "$RM/$BIG" $((C - 300000 + i * 1000)) 400000 >/tmp/par.$i &
	done
	wait
	for i in 1 2 3 4; do
		bfs-io pread "$RICH/src/$BIG" $((C - 300000 + i * 1000)) 400000 >/tmp/want
		cmp -s /tmp/par.$i /tmp/want || fail "parallel reader $i got different bytes"
	done
}

# ------------------------------------------------------ other bundles

t_empty_mount() {
	mnt=/tmp/empty
	mkdir -p $mnt
	mount -t bundlefs -o cache="$CAS" none $mnt || fail "mount -t bundlefs: exit $?"
	r=ok
	out=$(cat $mnt/nothing 2>&1) && r="reading a name in an empty mount succeeded"
	case $r:$out in
	ok:*"No such file or directory"*) ;;
	ok:*) r="expected ENOENT reading a missing name, got '$out'" ;;
	esac
	for c in "mkdir $mnt/d" "touch $mnt/f" "ln -s x $mnt/l"; do
		[ "$r" = ok ] || break
		out=$($c 2>&1) && r="'$c' succeeded on an empty mount"
		case $r:$out in
		ok:*"Read-only file system"*) ;;
		ok:*) r="expected EROFS from '$c', got '$out'" ;;
		esac
	done
	# the failed lookups cached nothing: "d" (looked up by mkdir above) is
	# a directory of the tiny bundle and must appear once it is loaded
	if [ "$r" = ok ]; then
		bundlefs load "$TINY/manifest.json" $mnt || r="load after failed lookups: exit $?"
	fi
	if [ "$r" = ok ]; then
		[ -d "$mnt/d" ] || r="d missing after the load (a negative dentry was cached)"
	fi
	umount $mnt || fail "umount"
	[ "$r" = ok ] || fail "$r"
}

t_mount_t_and_load() {
	mkdir -p /tmp/tiny
	mount -t bundlefs -o cache="$CAS" none /tmp/tiny || fail "mount -t bundlefs: exit $?"
	expect_eq "entries in an empty mount" 0 "$(ls -A /tmp/tiny | wc -l)"
	bundlefs load "$TINY/manifest.json" /tmp/tiny || { umount /tmp/tiny; fail "bundlefs load: exit $?"; }
	bfs-tree /tmp/tiny | LC_ALL=C sort >/tmp/tiny.list
	diff "$TINY/expected.list" /tmp/tiny.list >/dev/null || { umount /tmp/tiny; fail "tiny listing differs"; }
	expect_eq "d/link" "tiny c" "$(cat /tmp/tiny/d/link)"
	umount /tmp/tiny || fail "umount /tmp/tiny"
}

t_load_image() {
	mkdir -p /tmp/timg
	mount -t bundlefs -o cache="$CAS" none /tmp/timg || fail "mount -t bundlefs"
	bundlefs load --image "$FIX/tiny.img" /tmp/timg || { umount /tmp/timg; fail "bundlefs load --image: exit $?"; }
	expect_eq "a.txt via --image" "tiny a" "$(cat /tmp/timg/a.txt)"
	umount /tmp/timg
}

t_v1_mount() {
	mkdir -p /tmp/small
	bundlefs mount "$SMALL/manifest.json" /tmp/small --cache "$CAS" || fail "bundlefs mount v1: exit $?"
	bfs-tree /tmp/small | LC_ALL=C sort >/tmp/small.list
	bfs-tree -x /tmp/small | LC_ALL=C sort >/tmp/small.xxh
	r=0
	diff "$SMALL/expected.list" /tmp/small.list >/tmp/small.diff || r=1
	diff "$SMALL/expected.xxh" /tmp/small.xxh >>/tmp/small.diff || r=2
	umount /tmp/small
	[ $r = 0 ] || { head -n 20 /tmp/small.diff; fail "v1 bundle listing or hashes differ"; }
}

t_bundlefs_check() {
	bundlefs check "$RICH/manifest.json" >/dev/null || fail "bundlefs check rich: exit $?"
	bundlefs check "$SMALL/manifest.json" >/dev/null || fail "bundlefs check small: exit $?"
}

t_usage_errors() {
	bundlefs >/dev/null 2>&1
	expect_eq "exit of bundlefs without arguments" 2 $?
	bundlefs mount "$TINY/manifest.json" /tmp >/dev/null 2>&1
	expect_eq "exit of bundlefs mount without --cache" 2 $?
	bundlefs frobnicate >/dev/null 2>&1
	expect_eq "exit of an unknown command" 2 $?
}

t_bad_cache_dir() {
	mkdir -p /tmp/nocache
	before=$(mounts_snapshot)
	bundlefs mount "$TINY/manifest.json" /tmp/nocache --cache /no/such/dir >/tmp/out 2>&1
	expect_eq "exit with a missing cache dir" 3 $?
	expect_eq "mounts after a failed mount" "$before" "$(mounts_snapshot)"
}

t_mount_options() {
	mnt=/tmp/opts
	mkdir -p $mnt
	expect_err "mount without cache=" "Invalid argument" mount -t bundlefs none $mnt
	expect_err "max_image that wraps 64 bits" "Invalid argument" \
		mount -t bundlefs -o cache="$CAS",max_image=18014398509481985K none $mnt
	expect_err "max_image over 1G" "Invalid argument" \
		mount -t bundlefs -o cache="$CAS",max_image=2G none $mnt
	mount -t bundlefs -o cache="$CAS",max_image=256 none $mnt || fail "mount with max_image=256"
	line=$(awk -v m="$mnt" '$2 == m' /proc/mounts)
	case $line in
	*",max_image=256"*) ;;
	*) umount $mnt; fail "expected max_image=256 in /proc/mounts, got '$line'" ;;
	esac
	# the tiny image is larger than 256 bytes: refused, and the mount stays empty
	bundlefs load "$TINY/manifest.json" $mnt >/tmp/out 2>&1
	rc=$?
	n=$(ls -A $mnt | wc -l)
	umount $mnt || fail "umount"
	expect_eq "load over max_image exit" 1 $rc
	expect_eq "entries after a refused load" 0 "$n"
}

broken_cache() {	# broken_cache KIND: read the file KIND breaks -> EIO
	mnt=/tmp/small-$1
	mkdir -p $mnt
	bundlefs mount "$SMALL/manifest.json" $mnt --cache "$SMALL/cas-$1" || fail "mount with cas-$1: exit $?"
	victim=$(cat "$SMALL/$1.path")
	r=ok
	out=$(cat "$mnt/$victim" 2>&1 >/dev/null) && r="reading $victim succeeded"
	case $r:$out in
	ok:*"Input/output error"*) ;;
	ok:*) r="expected EIO reading $victim, got '$out'" ;;
	esac
	# again: no hang, same error
	[ "$r" = ok ] && { cat "$mnt/$victim" >/dev/null 2>&1 && r="second read of $victim succeeded"; }
	# the mount stays usable
	[ "$r" = ok ] && { cmp -s "$mnt/readme.txt" "$SMALL/src/readme.txt" || r="readme.txt unreadable after EIO"; }
	[ "$r" = ok ] && { ls -R $mnt >/dev/null 2>&1 || r="ls -R failed after EIO"; }
	[ "$r" = ok ] && { expect_eq "size of $victim" "$(stat -c %s "$SMALL/src/$victim")" "$(stat -c %s "$mnt/$victim")"; }
	umount $mnt || fail "umount after EIO"
	[ "$r" = ok ] || fail "$r"
}

# -o verify: an object whose bytes do not hash to its name gives EIO and a
# log line; without it the bytes are trusted by name and size.
t_verify() {
	mkdir -p /tmp/vcas/Data /tmp/vmnt
	for h in $(grep -o '"hash": "[0-9a-f]*"' "$TINY/manifest.json" | cut -d'"' -f4); do
		cp "$CAS/Data/$h.xxh128" /tmp/vcas/Data/ || fail "copying object $h"
	done
	a=$(grep -B3 '"name": "a.txt"' "$TINY/manifest.json" | grep -o '[0-9a-f]\{32\}')
	printf 'tiny A' | dd of=/tmp/vcas/Data/$a.xxh128 bs=1 conv=notrunc 2>/dev/null
	bundlefs mount "$TINY/manifest.json" /tmp/vmnt --cache /tmp/vcas || fail "mount"
	expect_eq "a corrupt object without verify" "tiny A" "$(cat /tmp/vmnt/a.txt)"
	umount /tmp/vmnt
	bundlefs mount "$TINY/manifest.json" /tmp/vmnt --cache /tmp/vcas -o verify || fail "mount -o verify"
	r=ok
	grep -q ',verify' /proc/mounts || r="no verify in /proc/mounts"
	out=$(cat /tmp/vmnt/a.txt 2>&1) && r="reading a corrupt object under verify succeeded: '$out'"
	case $r:$out in
	ok:*"Input/output error"*) ;;
	ok:*) r="expected EIO, got '$out'" ;;
	esac
	[ "$r" = ok ] && { expect_eq "b.txt under verify" "tiny b" "$(cat /tmp/vmnt/b.txt)"; }
	[ "$r" = ok ] && { dmesg | grep -q "does not hash to its name" || r="no kernel log line"; }
	umount /tmp/vmnt
	[ "$r" = ok ] || fail "$r"
}

# dl_compare DIR NAME WHAT: DIR's listing (paths, kinds, modes, sizes,
# mtimes, symlink targets) and file hashes against $DL/NAME.list and .xxh
dl_compare() {
	bfs-tree "$1" | LC_ALL=C sort >/tmp/dl.list || fail "$3: bfs-tree"
	bfs-tree -x "$1" | LC_ALL=C sort >/tmp/dl.xxh || fail "$3: bfs-tree -x"
	r=0
	diff "$DL/$2.list" /tmp/dl.list >/tmp/dl.diff || r=1
	diff "$DL/$2.xxh" /tmp/dl.xxh >>/tmp/dl.diff || r=1
	[ $r = 0 ] || { head -n 20 /tmp/dl.diff; fail "$3: the tree differs from $2.list/$2.xxh"; }
}

t_dialects() {
	# One tree written in v2 beta, the 2025-12 specification (relative,
	# the older manifestVersion "2025-12", absolute under --root), its v1
	# part, and a v1 base with two 2025-12 diffs (gen-bundle wrote them
	# and the expected trees without the loader's help).
	DL=$FIX/dialects
	m=/tmp/dialects
	mkdir -p $m
	for c in "beta.json full" "spec.json full" "spec-old.json full" \
		"spec-abs.json full --root /job/root" "v1.json v1" \
		"v1.json stack --diff $DL/d1.json --diff $DL/d2.json"; do
		set -- $c
		f=$1 want=$2
		shift 2
		bundlefs mount "$DL/$f" $m --cache "$CAS" "$@" ||
			fail "bundlefs mount $f $*: exit $?"
		dl_compare $m "$want" "$f $*"
		umount $m || fail "umount after $f"
	done
	# d2 names the tree of v1.json + d1.json as its parent, not v1.json
	expect_err "d2 straight on the base" "d2.json: parentManifestHash" \
		bundlefs mount "$DL/v1.json" $m --cache "$CAS" --diff "$DL/d2.json"
	is_mounted $m && fail "a refused stack left $m mounted"
	# a writable layered mount: its diff names the tree of the stack as
	# its parent (UDIR/origin), so it stacks as a third layer
	u=/tmp/dialects-upper
	rm -rf $u /tmp/d3.json && mkdir -p $u
	bundlefs mount "$DL/v1.json" $m --cache "$CAS" --upper $u \
		--diff "$DL/d1.json" --diff "$DL/d2.json" ||
		fail "writable layered mount: exit $?"
	r=ok
	{ echo new >$m/new.txt && rm $m/readme.txt; } || r="changes on the layered mount"
	[ "$r" = ok ] && { bundlefs diff $m -o /tmp/d3.json || r="bundlefs diff of the layered mount: exit $?"; }
	umount $m || fail "umount of the writable layered mount"
	[ "$r" = ok ] || fail "$r"
	bundlefs apply "$DL/v1.json" "$DL/d1.json" "$DL/d2.json" /tmp/d3.json \
		--format v2-2025-12 -o /tmp/d3.applied 2>/tmp/d3.err ||
		fail "the layered mount's diff does not stack: $(cat /tmp/d3.err)"
	grep -q '"path":"new.txt"' /tmp/d3.applied || fail "new.txt not in the applied stack"
	grep -q '"path":"readme.txt"' /tmp/d3.applied && fail "readme.txt still in the applied stack"
	# an unhashed file: refused, or mounted with its reads failing (EIO)
	expect_err "unhashed without --allow-unhashed" '"pending.exr": unhashed file' \
		bundlefs mount "$DL/unhashed.json" $m --cache "$CAS"
	bundlefs mount "$DL/unhashed.json" $m --cache "$CAS" --allow-unhashed ||
		fail "bundlefs mount --allow-unhashed: exit $?"
	r=ok
	[ "$(cat $m/ok.txt)" = "one tree in every dialect" ] || r="ok.txt unreadable"
	[ "$r" = ok ] && { [ "$(stat -c %s $m/pending.exr)" = 1024 ] || r="pending.exr: size $(stat -c %s $m/pending.exr)"; }
	if [ "$r" = ok ]; then
		out=$(cat $m/pending.exr 2>&1 >/dev/null) && r="reading the unhashed file succeeded"
		case $r:$out in
		ok:*"Input/output error"*) ;;
		ok:*) r="expected EIO reading pending.exr, got '$out'" ;;
		esac
	fi
	umount $m || fail "umount after the unhashed file"
	[ "$r" = ok ] || fail "$r"
}

t_missing_object_eio() { broken_cache missing; }
t_truncated_object_eio() { broken_cache trunc; }

t_many_mounts() {
	before=$(mounts_snapshot)
	for i in 0 1 2 3 4 5 6 7 8 9; do
		mkdir -p /tmp/many$i
		bundlefs mount "$TINY/manifest.json" /tmp/many$i --cache "$CAS" || fail "mount $i: exit $?"
	done
	for i in 0 1 2 3 4 5 6 7 8 9; do
		expect_eq "b.txt on mount $i" "tiny b" "$(cat /tmp/many$i/b.txt)"
	done
	expect_eq "bundlefs mounts" 10 "$(grep -c ' /tmp/many[0-9] bundlefs ' /proc/mounts)"
	for i in 0 1 2 3 4 5 6 7 8 9; do
		umount /tmp/many$i || fail "umount $i"
	done
	expect_eq "mounts afterwards" "$before" "$(mounts_snapshot)"
}

# ------------------------------------------------------- bad manifests

t_bad_manifest() {	# one bad manifest: $1 = file, $2 = needle (a|b)
	f=$FIX/bad-manifests/$1
	before=$(mounts_snapshot)
	bundlefs check "$f" >/tmp/out 2>/tmp/err
	expect_eq "exit of bundlefs check" 1 $?
	mkdir -p /tmp/bad
	bundlefs mount "$f" /tmp/bad --cache "$CAS" >/tmp/out 2>/tmp/err
	rc=$?
	is_mounted /tmp/bad && { umount /tmp/bad; fail "the bad manifest got mounted"; }
	expect_eq "exit of bundlefs mount" 1 $rc
	expect_eq "lines of error output" 1 "$(grep -c '' /tmp/err)"
	expect_eq "stdout" "" "$(cat /tmp/out)"
	expect_eq "mounts" "$before" "$(mounts_snapshot)"
	if [ -n "$2" ]; then
		err=$(cat /tmp/err)
		found=0
		IFS='|'
		for n in $2; do
			case $err in *"$n"*) found=1 ;; esac
		done
		unset IFS
		[ $found = 1 ] || fail "expected the error to name '$2', got '$err'"
	fi
	# load into an existing empty mount: refused, mount stays empty
	bundlefs load "$f" /tmp/bad-empty >/dev/null 2>&1
	expect_eq "exit of bundlefs load" 1 $?
	expect_eq "entries after a refused load" 0 "$(ls -A /tmp/bad-empty | wc -l)"
}

# ---------------------------------------------------------- bad images

t_bad_image() {	# one bad image: $1 = file, $2 = reason text in the kernel log
	f=$FIX/bad-images/$1
	for try in 1 2; do
		n0=$(count_klog "bundlefs: ")
		bundlefs load --image "$f" /tmp/bad-img >/tmp/out 2>/tmp/err
		rc=$?
		case $(cat /tmp/err) in
		*"Invalid argument"*) ;;
		*) fail "expected EINVAL (Invalid argument), got '$(head -n1 /tmp/err)'" ;;
		esac
		expect_eq "entries after a refused image" 0 "$(ls -A /tmp/bad-img | wc -l)"
		is_mounted /tmp/bad-img || fail "the mount went away"
		new=$(dmesg | grep -F "bundlefs: " | tail -n +$((n0 + 1)))
		[ -n "$new" ] && break
		# the kernel's message is rate-limited (10 per 5 s): wait, retry
		[ $try = 1 ] && sleep 6
	done
	[ -n "$new" ] || fail "no 'bundlefs: ' line in the kernel log"
	case $new in
	*"$2"*) ;;
	*) fail "expected the kernel log to say '$2', got '$new'" ;;
	esac
	[ $rc = 1 ] || fail "exit of bundlefs load --image: expected 1, got $rc ($(head -n1 /tmp/err))"
}

t_good_image_after_bad() {
	is_mounted /tmp/bad-img || fail "the bad-image mount is gone"
	bundlefs load --image "$FIX/tiny.img" /tmp/bad-img || fail "good image after bad ones: exit $?"
	expect_eq "a.txt" "tiny a" "$(cat /tmp/bad-img/a.txt)"
}

# ------------------------------------------------------------- module

t_rmmod_insmod() {
	for m in $(awk '$3 == "bundlefs" { print $2 }' /proc/mounts); do
		umount "$m" || fail "umount $m"
	done
	rmmod bundlefs || fail "rmmod bundlefs"
	grep -q '^bundlefs ' /proc/modules && fail "bundlefs still loaded"
	insmod "$BUNDLEFS_KO" || fail "insmod again"
	mkdir -p /tmp/again
	bundlefs mount "$TINY/manifest.json" /tmp/again --cache "$CAS" || fail "mount after insmod: exit $?"
	expect_eq "a.txt after insmod" "tiny a" "$(cat /tmp/again/a.txt)"
	umount /tmp/again || fail "umount after insmod"
}

# tests/vmfuzz/vmfuzz.c in this boot (--vmfuzz): the debug kernel's run
# saves a boot of its own that way
t_vmfuzz() {
	"$VMFUZZ_DIR/vmfuzz" -n "$VMFUZZ_N" -o "$VMFUZZ_DIR/saved" \
		"$(dirname "$SELF")/../fuzz/corpus-image" >/tmp/vmfuzz.out 2>&1
	rc=$?
	grep '^not ok' /tmp/vmfuzz.out | head -n 5
	grep '^# ' /tmp/vmfuzz.out
	[ $rc = 0 ] || fail "vmfuzz: $(tail -n 1 /tmp/vmfuzz.out) (exit $rc)"
}

t_kernel_log_clean() {
	bad=$(dmesg | grep -E 'BUG:|WARNING:|Oops|general protection|KASAN:|UBSAN:|kmemleak: .*suspected memory leak|Kernel panic|INFO: task .* blocked|soft lockup|hard LOCKUP' | head -n 3)
	[ -z "$bad" ] || fail "kernel log: $bad"
}

# --------------------------------------------------------- writable mounts

. "$(dirname "$SELF")/write-cases.sh"

# ------------------------------------------------------ pass-through reads

. "$(dirname "$SELF")/passthrough-cases.sh"

# ---------------------------------------------------------- on-demand fetch

. "$(dirname "$SELF")/fetch-cases.sh"

# --------------------------------------------------------------- driver

setup_globals() {
	FIX=$(readlink -f "$1")
	CAS=$FIX/cas
	RICH=$FIX/rich
	SMALL=$FIX/small
	TINY=$FIX/tiny
	RM=/tmp/rich
	export LC_ALL=C
}

if [ "${1:-}" = --one ]; then	# internal: one case in its own process
	setup_globals "$2"
	shift 2
	"t_$@"
	exit $?
fi

usage() { echo "usage: run-all.sh [--kernel-only] [--skip CASE]... [--vmfuzz N:DIR] FIXTURES_DIR [CASE...]" >&2; exit 2; }
kernel_only=0
skip=
while [ $# -gt 0 ]; do
	case $1 in
	--kernel-only) kernel_only=1; shift ;;
	--skip) [ $# -ge 2 ] || usage; skip="$skip $2"; shift 2 ;;
	--vmfuzz) [ $# -ge 2 ] || usage
		VMFUZZ_N=${2%%:*} VMFUZZ_DIR=${2#*:}
		export VMFUZZ_N VMFUZZ_DIR
		shift 2 ;;
	-*) usage ;;
	*) break ;;
	esac
done
[ $# -ge 1 ] || usage
setup_globals "$1"
shift
pass=0
failed=0
failures=

run_case() {	# run_case GROUP NAME [ARGS...] (display name: NAME or NAME ARG1)
	limit=$(case_limit "$1")
	shift
	label=$1
	[ $# -gt 1 ] && label="$1 $2"
	t0=$(cut -d' ' -f1 /proc/uptime)
	timeout -s KILL "$limit" sh "$SELF" --one "$FIX" "$@" >/tmp/case.out 2>&1
	rc=$?
	if [ $rc = 0 ]; then
		echo "ok - $label"
		pass=$((pass + 1))
	else
		why=$(grep '^FAIL: ' /tmp/case.out | tail -n1 | sed 's/^FAIL: //')
		[ -n "$why" ] || why="exit status $rc$([ $rc = 137 ] && echo " (killed after ${limit}s)")"
		echo "not ok - $label: $why"
		grep -v '^FAIL: ' /tmp/case.out | tail -n 15 | sed 's/^/#   /'
		failed=$((failed + 1))
		failures="$failures $1"
	fi
	t1=$(cut -d' ' -f1 /proc/uptime)
	awk -v a="$t0" -v b="$t1" -v l="$label" -v lim="$limit" 'BEGIN {
		if (b - a >= lim / 3) printf "# %s: %.1f s (over a third of its %d s limit)\n", l, b - a, lim
		else if (b - a >= 3) printf "# %s: %.1f s\n", l, b - a }'
}

CASES="mount_rich listing hashes xxh128sum_tool chunk_boundary_dd pread_odd_sizes
mmap sendfile splice empty_file page_sizes symlinks modes mtime lookup_errors
statfs proc_mounts writes_refused second_load_ebusy unprivileged
drop_caches_reread parallel_readers empty_mount mount_t_and_load load_image v1_mount
dialects bundlefs_check usage_errors bad_cache_dir missing_object_eio
truncated_object_eio verify mount_options many_mounts
w_mount_rw w_create_persist w_cow_page w_partial_writes w_truncate w_rename_dir
w_rmdir w_foreign_upper w_busy_upper w_damaged_upper w_upper_checks w_enospc
w_owner w_errnos w_crash_copy w_posix w_fsx_manifest w_fsx_manifest_seeded w_fsx_new
w_fsx_new_seeded w_fsx_chunks w_diff w_apply
pt_read_exact pt_splice pt_mmap_ro pt_rw_coherence pt_mmap_order pt_mmap_store
pt_switch pt_upper_files pt_broken pt_footprint
f_cold_once f_parallel_one f_daemon_killed f_timeout f_wait_for_daemon
f_error_answer f_request_format f_channel_misuse f_wrong_size f_verify_corrupt
f_source_missing f_prefetch f_umount_stops_daemon f_mount_options f_reader_killed
bad_manifests bad_images rmmod_insmod kernel_log_clean"
# Cases that never reach the kernel: the loader refuses the input before
# any system call gets to bundlefs (bad_manifests: about 50 cases, 5 s each
# on a debug kernel).  --kernel-only leaves them out; the stock kernel's
# run (`vm` stage of make check) keeps them.
USERSPACE_CASES="bad_manifests"
if [ $# -gt 0 ]; then
	CASES="$*"
else
	[ $kernel_only = 1 ] && skip="$skip $USERSPACE_CASES"
	[ -n "$skip" ] && echo "# not run here:$skip"
fi
if [ -n "${VMFUZZ_DIR:-}" ]; then
	with=
	for c in $CASES; do
		[ "$c" = rmmod_insmod ] && with="$with vmfuzz"
		with="$with $c"
	done
	case " $with " in *" vmfuzz "*) ;; *) with="$with vmfuzz" ;; esac
	CASES=$with
fi

start=$(date +%s)
for c in $CASES; do
	case " $skip " in *" $c "*) continue ;; esac
	case $c in
	bad_manifests)
		mkdir -p /tmp/bad-empty
		mount -t bundlefs -o cache="$CAS" none /tmp/bad-empty ||
			echo "# cannot mount an empty bundlefs at /tmp/bad-empty"
		while IFS="$(printf '\t')" read -r f needle; do
			run_case $c bad_manifest "$f" "$needle"
		done <"$FIX/bad-manifests/INDEX"
		umount /tmp/bad-empty 2>/dev/null
		;;
	bad_images)
		mkdir -p /tmp/bad-img
		mount -t bundlefs -o cache="$CAS" none /tmp/bad-img ||
			echo "# cannot mount an empty bundlefs at /tmp/bad-img"
		while IFS="$(printf '\t')" read -r f why; do
			run_case $c bad_image "$f" "$why"
		done <"$FIX/bad-images/INDEX"
		run_case $c good_image_after_bad
		umount /tmp/bad-img 2>/dev/null
		;;
	vmfuzz)
		run_case vmfuzz vmfuzz
		grep '^# vmfuzz' /tmp/case.out
		;;
	*) run_case "$c" "$c" ;;
	esac
done
is_mounted "$RM" && umount "$RM"
echo "# vm suite: $(($(date +%s) - start)) s"
echo "$pass passed, $failed failed"
[ $failed = 0 ]
