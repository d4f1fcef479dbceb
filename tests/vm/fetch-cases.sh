# SPDX-License-Identifier: GPL-2.0
#
# On-demand fetch (kmod/fetch.c, loader/serve.c), sourced by
# tests/vm/run-all.sh: the cases named t_f_*.  The small v1 bundle is
# mounted over an empty cache, /tmp/fc; its objects come from the fixtures'
# CAS directory (a dir: source over 9p), from shell scripts (cmd: sources
# that wait, hang or lie), or from bfs-chan, a daemon that misbehaves on
# purpose.  `bundlefs stats` gives the kernel's counters.

FC=/tmp/fc
FM=/tmp/fm
SMALL_OBJECTS=9		# distinct objects of the small bundle (one file is empty)

f_done() {
	[ -n "${DPID:-}" ] && kill "$DPID" 2>/dev/null
	touch /tmp/go		# lets hanging cmd: scripts end
	umount $FM 2>/dev/null
	wait
}

# f_mount [ARGS...]: the small bundle at $FM over an empty $FC
f_mount() {
	rm -rf $FC /tmp/go
	mkdir -p $FC $FM
	# waits for /tmp/go, then copies the object
	f_script waitcp "while [ ! -e /tmp/go ]; do sleep 0.1; done; cp \"$CAS/Data/\$1.xxh128\" \"\$2\""
	bundlefs mount "$SMALL/manifest.json" $FM --cache $FC "$@" || fail "mount $*: exit $?"
	trap f_done EXIT
}

f_stat() { bundlefs stats $FM | awk -v k="$1" '$1 == k { print $2 }'; }

# f_wait KEY VALUE: until the counter KEY is VALUE (at most 60 s)
f_wait() {
	i=0
	while [ "$(f_stat "$1")" != "$2" ]; do
		i=$((i + 1))
		[ $i -le 600 ] || fail "stats: $1 stayed $(f_stat "$1"), expected $2"
		sleep 0.1
	done
}

# f_serve SOURCE: `bundlefs serve` in the background (DPID), once attached
f_serve() {
	bundlefs serve $FM --source "$1" 2>/tmp/serve.err &
	DPID=$!
	f_wait attached 1
}

f_obj() { awk -F'\t' -v p="$1" '$1 == p { print $2 }' "$SMALL/expected.xxh"; }

# f_script NAME BODY: an executable /tmp/NAME running BODY with $1 the
# hash and $2 the destination (a cmd: source)
f_script() {
	printf '#!/bin/sh\n%s\n' "$2" >/tmp/$1
	chmod +x /tmp/$1
}


# f_read_eio FILE: one read(2) of it fails with EIO (cat would try
# sendfile(2) and then read(2): two fetches)
f_read_eio() {
	expect_err "reading $1" "Input/output error" dd if="$FM/$1" of=/dev/null bs=65536 count=1
}

f_fds() {	# open fetch channels, in every process
	ls -l /proc/[0-9]*/fd 2>/dev/null | grep -c 'anon_inode:\[bundlefs-fetch\]'
}

t_f_cold_once() {
	f_mount --source "dir:$CAS"
	expect_eq "daemons attached" 1 "$(f_stat attached)"
	cmp -s $FM/readme.txt "$SMALL/src/readme.txt" || fail "readme.txt differs from the source"
	expect_eq "misses after one read" 1 "$(f_stat misses)"
	expect_eq "requests after one read" 1 "$(f_stat requests)"
	expect_eq "fetched after one read" 1 "$(f_stat fetched)"
	expect_eq "fetched_bytes" "$(stat -c %s "$SMALL/src/readme.txt")" "$(f_stat fetched_bytes)"
	h=$(f_obj readme.txt)
	cmp -s $FC/Data/$h.xxh128 "$CAS/Data/$h.xxh128" || fail "the object in the cache differs from the source's"
	echo 3 >/proc/sys/vm/drop_caches
	cmp -s $FM/readme.txt "$SMALL/src/readme.txt" || fail "readme.txt differs after drop_caches"
	expect_eq "requests after a second cold read" 1 "$(f_stat requests)"
	expect_eq "hits after a second cold read" 1 "$(f_stat hits)"
	bfs-tree -x $FM | LC_ALL=C sort >/tmp/f.xxh
	diff "$SMALL/expected.xxh" /tmp/f.xxh >/tmp/f.diff || { head /tmp/f.diff; fail "contents differ after fetching"; }
	expect_eq "requests after reading everything" $SMALL_OBJECTS "$(f_stat requests)"
	expect_eq "fetched" $SMALL_OBJECTS "$(f_stat fetched)"
	expect_eq "objects in the cache" "$SMALL_OBJECTS" "$(ls $FC/Data | wc -l)"
	expect_eq "failed" 0 "$(f_stat failed)"
}

t_f_parallel_one() {
	f_mount
	f_serve "cmd:/tmp/waitcp"
	i=0 pids=
	while [ $i -lt 32 ]; do
		cat $FM/textures/wood.png >/tmp/par.$i &
		pids="$pids $!"
		i=$((i + 1))
	done
	f_wait waiting 32
	expect_eq "requests with 32 readers waiting" 1 "$(f_stat requests)"
	touch /tmp/go
	for p in $pids; do
		wait $p || fail "a reader failed: exit $?"
	done
	i=0
	while [ $i -lt 32 ]; do
		cmp -s /tmp/par.$i "$SMALL/src/textures/wood.png" || fail "reader $i read other bytes"
		i=$((i + 1))
	done
	expect_eq "requests" 1 "$(f_stat requests)"
	expect_eq "fetched" 1 "$(f_stat fetched)"
}

t_f_daemon_killed() {
	f_mount
	f_serve "cmd:/tmp/waitcp"
	(cat $FM/readme.txt >/tmp/killed.out 2>&1; echo $? >/tmp/killed.rc) &
	f_wait waiting 1
	kill -9 $DPID
	f_wait waiting 0
	expect_eq "attached after the kill" 0 "$(f_stat attached)"
	i=0
	while [ ! -s /tmp/killed.rc ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	expect_eq "exit of the reader" 1 "$(cat /tmp/killed.rc)"
	grep -q "Input/output error" /tmp/killed.out || fail "the reader said: $(cat /tmp/killed.out)"
	expect_eq "failed" 1 "$(f_stat failed)"
	touch /tmp/go
	f_serve "dir:$CAS"
	cmp -s $FM/readme.txt "$SMALL/src/readme.txt" || fail "a new daemon did not serve readme.txt"
	expect_eq "requests" 2 "$(f_stat requests)"
}

t_f_timeout() {
	f_mount -o fetch_timeout=2
	grep -q " $FM bundlefs .*fetch_timeout=2" /proc/mounts || fail "no fetch_timeout=2 in /proc/mounts"
	f_serve "cmd:/tmp/waitcp"
	t0=$(cut -d' ' -f1 /proc/uptime)
	f_read_eio readme.txt
	t1=$(cut -d' ' -f1 /proc/uptime)
	awk -v a="$t0" -v b="$t1" 'BEGIN { exit !(b - a >= 1.5) }' ||
		fail "the read gave up after $t0..$t1 s, before its 2 s"
	expect_eq "timeouts" 1 "$(f_stat timeouts)"
	dmesg | grep -q "fetching object Data/$(f_obj readme.txt).xxh128 failed" || fail "no kernel log line for the failed fetch"
	# a stuck request is not joined: the next read asks again
	f_read_eio readme.txt
	expect_eq "requests after a second read" 2 "$(f_stat requests)"
	touch /tmp/go
	cmp -s $FM/readme.txt "$SMALL/src/readme.txt" || fail "readme.txt once the source answers"
}

t_f_wait_for_daemon() {
	f_mount
	f_read_eio readme.txt
	expect_eq "requests without a daemon" 0 "$(f_stat requests)"
	umount $FM
	f_mount -o fetch_timeout=60
	cat $FM/readme.txt >/tmp/wait.out 2>&1 &
	reader=$!
	f_wait queued 1
	f_serve "dir:$CAS"
	wait $reader || fail "the waiting read failed: $(cat /tmp/wait.out)"
	cmp -s /tmp/wait.out "$SMALL/src/readme.txt" || fail "the waiting read got other bytes"
}

t_f_error_answer() {
	f_mount
	bfs-chan answer $FM 1 error 5 >/tmp/chan.out &
	DPID=$!
	f_wait attached 1
	f_read_eio readme.txt
	wait $DPID || fail "bfs-chan: exit $?"
	expect_eq "failed" 1 "$(f_stat failed)"
	f_serve "dir:$CAS"
	cmp -s $FM/readme.txt "$SMALL/src/readme.txt" || fail "readme.txt after an error answer"
}

t_f_request_format() {
	f_mount
	bfs-chan answer $FM 1 dump >/tmp/chan.out &
	DPID=$!
	f_wait attached 1
	f_read_eio textures/wood.png
	wait $DPID
	expect_eq "request" "version=1 size=80 length=70000 name=$(f_obj textures/wood.png).xxh128" \
		"$(grep version= /tmp/chan.out)"
}

t_f_channel_misuse() {
	f_mount
	bfs-chan misuse $FM >/tmp/chan.out 2>&1 || fail "bfs-chan misuse: $(cat /tmp/chan.out)"
	expect_eq "misuse" "attached
second attach: Device or resource busy
flags: Invalid argument
short read: Invalid argument
short reply: Invalid argument
unknown id: No such file or directory
positive status: Invalid argument
nothing queued: Resource temporarily unavailable" "$(cat /tmp/chan.out)"
	expect_eq "attached after bfs-chan exited" 0 "$(f_stat attached)"
	f_serve "dir:$CAS"
	bundlefs serve $FM --source "dir:$CAS" >/tmp/out 2>&1
	expect_eq "exit of a second serve" 3 $?
	expect_eq "its message" "bundlefs serve: $FM: cannot attach: another fetch daemon serves this mount" "$(cat /tmp/out)"
	expect_err "serve on a directory" "not the root of a bundlefs mount" bundlefs serve /tmp --source "dir:$CAS"
	expect_err "serve with a bad source" "expected dir:PATH, cmd:COMMAND or s3://BUCKET/PREFIX" bundlefs serve $FM --source nfs:x
}

t_f_wrong_size() {
	f_mount
	printf 'abc' >/tmp/short
	bfs-chan answer $FM 1 place /tmp/short >/dev/null &
	DPID=$!
	f_wait attached 1
	f_read_eio readme.txt
	dmesg | grep -q "object Data/$(f_obj readme.txt).xxh128 is 3 bytes, expected 16" || fail "no kernel log line for the wrong size"
	expect_eq "failed" 1 "$(f_stat failed)"
	wait $DPID
	# the daemon checks it too, and places nothing
	rm -f $FC/Data/*
	f_script short 'printf abc >"$2"'
	f_serve "cmd:/tmp/short"
	f_read_eio readme.txt
	grep -q "is 3 bytes, expected 16" /tmp/serve.err || fail "serve said: $(cat /tmp/serve.err)"
	expect_eq "objects placed" 0 "$(ls -A $FC/Data | wc -l)"
}

t_f_verify_corrupt() {
	f_mount -o verify
	h=$(f_obj readme.txt)
	sed 's/small/SMALL/' "$SMALL/src/readme.txt" >/tmp/corrupt
	bfs-chan answer $FM 1 place /tmp/corrupt >/dev/null &
	DPID=$!
	f_wait attached 1
	f_read_eio readme.txt
	wait $DPID
	dmesg | grep -q "object Data/$h.xxh128 does not hash to its name" || fail "no kernel log line for the corrupt object"
	rm -f $FC/Data/*
	f_script corruptcp "cp /tmp/corrupt \"\$2\""
	f_serve "cmd:/tmp/corruptcp"
	f_read_eio readme.txt
	grep -q "$h.xxh128: the object hashes to [0-9a-f]*, not to its name" /tmp/serve.err ||
		fail "serve said: $(cat /tmp/serve.err)"
	expect_eq "objects placed" 0 "$(ls -A $FC/Data | wc -l)"
}

t_f_source_missing() {
	f_mount
	mkdir -p /tmp/emptysrc/Data
	f_serve "dir:/tmp/emptysrc"
	f_read_eio readme.txt
	grep -q "$(f_obj readme.txt).xxh128: /tmp/emptysrc/Data/$(f_obj readme.txt).xxh128: not in the source" /tmp/serve.err ||
		fail "serve said: $(cat /tmp/serve.err)"
	expect_eq "failed" 1 "$(f_stat failed)"
	expect_eq "temporary files left" 0 "$(ls -A $FC/Data | wc -l)"
}

t_f_prefetch() {
	f_mount --source "dir:$CAS"
	bundlefs prefetch $FM . >/tmp/out 2>&1 || fail "prefetch: $(cat /tmp/out)"
	expect_eq "prefetch says" "prefetched 10 files, 0 failed" "$(cat /tmp/out)"
	expect_eq "requests" $SMALL_OBJECTS "$(f_stat requests)"
	expect_eq "objects in the cache" $SMALL_OBJECTS "$(ls $FC/Data | wc -l)"
	echo 3 >/proc/sys/vm/drop_caches
	bfs-tree -x $FM | LC_ALL=C sort >/tmp/f.xxh
	diff "$SMALL/expected.xxh" /tmp/f.xxh >/dev/null || fail "contents differ after prefetch"
	expect_eq "requests after reading everything" $SMALL_OBJECTS "$(f_stat requests)"
	expect_err "prefetch of a missing path" "nope: No such file or directory" bundlefs prefetch $FM nope
}

t_f_umount_stops_daemon() {
	before=$(f_fds)
	f_mount --source "dir:$CAS"
	expect_eq "channels open" $((before + 1)) "$(f_fds)"
	umount $FM || fail "umount with a daemon attached: exit $?"
	i=0
	while [ "$(f_fds)" != "$before" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	expect_eq "channels open after umount" "$before" "$(f_fds)"
}

t_f_mount_options() {
	mkdir -p $FM
	expect_err "fetch_timeout=0" "Invalid argument" mount -t bundlefs -o cache="$CAS",fetch_timeout=0 none $FM
	expect_err "fetch_timeout=86401" "Invalid argument" mount -t bundlefs -o cache="$CAS",fetch_timeout=86401 none $FM
	before=$(mounts_snapshot)
	bundlefs mount "$SMALL/manifest.json" $FM --cache "$CAS" --source nfs:x >/tmp/out 2>&1
	expect_eq "exit of mount with a bad source" 2 $?
	expect_eq "its message" 'bundlefs: mount: source "nfs:x": expected dir:PATH, cmd:COMMAND or s3://BUCKET/PREFIX' "$(cat /tmp/out)"
	expect_eq "mounts after it" "$before" "$(mounts_snapshot)"
}

t_f_reader_killed() {
	f_mount
	f_serve "cmd:/tmp/waitcp"
	cat $FM/readme.txt >/tmp/rk.1 &
	p1=$!
	cat $FM/readme.txt >/tmp/rk.2 &
	p2=$!
	f_wait waiting 2
	kill -9 $p1
	f_wait waiting 1
	touch /tmp/go
	wait $p2 || fail "the reader left waiting failed: exit $?"
	cmp -s /tmp/rk.2 "$SMALL/src/readme.txt" || fail "the reader left waiting got other bytes"
	expect_eq "requests" 1 "$(f_stat requests)"
	expect_eq "failed" 0 "$(f_stat failed)"
}
