# SPDX-License-Identifier: GPL-2.0
#
# tests/vm/crash-cases.sh PHASE FIXTURES: one boot of tests/run-crash-tests.
# The upper directory is on ext4 on /dev/vda (vm-run --disk), and each
# phase but the last ends by printing CRASH-NOW, where vm-run kills qemu:
# no sync, no unmount.
#
#   fsync   write and fsync (file, directory, syncfs), then keep writing
#           without syncing when the VM is killed
#   umount  after that crash: mount (the upper directory must replay),
#           check every fsynced byte and that the tree is consistent; then
#           change more, unmount bundlefs (not ext4) and crash again
#   final   check everything that was there at the unmount
#
# Prints `ok - NAME` / `not ok - NAME: why` per check.
set -u
phase=$1
FIX=$2
CAS=$FIX/cas
M=$FIX/tiny/manifest.json
W=/tmp/w
U=/mnt/disk/upper
export LC_ALL=C

ok() { echo "ok - crash $phase: $1"; }
notok() { echo "not ok - crash $phase: $1"; }
# same NAME EXPECTED GOT
same() { if [ "$2" = "$3" ]; then ok "$1"; else notok "$1: expected '$2', got '$3'"; fi; }
xxh() { xxh128sum <"$1" 2>/dev/null | cut -d' ' -f1; }
crash() {
	# the noise keeps writing until qemu is gone
	( i=0; while :; do seq $i $((i + 30000)) >"$W/noise.$((i % 4))"
		mv "$W/noise.$((i % 4))" "$W/noise-renamed.$((i % 3))" 2>/dev/null
		i=$((i + 1)); done ) 2>/dev/null &
	seq 1 100000 >"$W/unsynced.txt"
	echo CRASH-NOW
	sleep 600
}

mkdir -p /mnt/disk "$W"
mount -t ext4 /dev/vda /mnt/disk || { notok "mount ext4 on /dev/vda"; exit 1; }
mkdir -p "$U"
if bundlefs mount "$M" "$W" --cache "$CAS" --upper "$U"; then
	ok "bundlefs mount with the upper directory on ext4"
else
	notok "bundlefs mount with the upper directory on ext4: exit $?"
	exit 1
fi

# every file reads to its end without error, as many bytes as its size
consistent() {
	bad=
	for f in $(find "$W" -type f); do
		n=$(wc -c <"$f") || { bad="$bad $f(read error)"; continue; }
		[ "$n" = "$(stat -c %s "$f")" ] || bad="$bad $f($n bytes of $(stat -c %s "$f"))"
	done
	same "every file reads whole" "" "$bad"
	bfs-tree "$W" >/dev/null && ok "bfs-tree walks the tree" || notok "bfs-tree walks the tree"
	bundlefs diff "$W" >/dev/null && ok "bundlefs diff" || notok "bundlefs diff: exit $?"
}

case $phase in
fsync)
	seq 1 200000 >"$W/synced.txt" && sync "$W/synced.txt"
	same "fsync a new file" 0 $?
	printf CRASH | dd of="$W/a.txt" bs=1 seek=1 conv=notrunc 2>/dev/null &&
		sync -d "$W/a.txt"
	same "fdatasync a page of a manifest file" 0 $?
	mkdir "$W/dir" && seq 5 5000 >"$W/dir/inner" && chmod 700 "$W/dir/inner" &&
		touch -d @1600000000 "$W/dir/inner" && sync "$W/dir/inner"
	same "fsync after chmod and touch" 0 $?
	mv "$W/b.txt" "$W/dir/b-moved" && sync "$W/dir"
	same "fsync a directory after a rename into it" 0 $?
	rm "$W/d/c.txt" && truncate -s 3 "$W/d/e/x.sh" && sync -f "$W"
	same "syncfs after unlink and truncate" 0 $?
	crash
	;;
umount)
	same "synced.txt" "$(seq 1 200000 | xxh128sum | cut -d' ' -f1)" "$(xxh "$W/synced.txt")"
	same "a.txt" "tCRASH" "$(cat "$W/a.txt")"
	same "dir/inner" "$(seq 5 5000 | xxh128sum | cut -d' ' -f1)" "$(xxh "$W/dir/inner")"
	same "dir/inner mode and mtime" "700 1600000000" "$(stat -c '%a %Y' "$W/dir/inner")"
	same "dir/b-moved" "tiny b" "$(cat "$W/dir/b-moved")"
	same "b.txt is gone" "" "$(ls "$W/b.txt" 2>/dev/null)"
	same "d/c.txt is gone" "" "$(ls "$W/d/c.txt" 2>/dev/null)"
	same "d/e/x.sh truncated" "#!/" "$(cat "$W/d/e/x.sh")"
	consistent
	# the unmount case: no fsync, the unmount alone must make it durable
	rm -f "$W"/noise* "$W/unsynced.txt"
	seq 1 300000 >"$W/after.txt"
	printf UMOUNT | dd of="$W/a.txt" bs=1 seek=1 conv=notrunc 2>/dev/null
	rm "$W/dir/inner"
	mkdir -p "$W/n/m" && ln -s ../../a.txt "$W/n/m/link" && chmod 751 "$W/n"
	mv "$W/dir" "$W/n/m/dir"
	if umount "$W"; then ok "umount"; else notok "umount"; fi
	echo CRASH-NOW
	sleep 600
	;;
final)
	same "after.txt" "$(seq 1 300000 | xxh128sum | cut -d' ' -f1)" "$(xxh "$W/after.txt")"
	same "a.txt" "tUMOUNT" "$(cat "$W/a.txt")"
	same "the tree" "a.txt after.txt d d/e d/e/x.sh d/link empty n n/m n/m/dir n/m/dir/b-moved n/m/link synced.txt" \
		"$(cd "$W" && find . -mindepth 1 | sed 's|^\./||' | sort | tr '\n' ' ' | sed 's/ $//')"
	same "n mode" 751 "$(stat -c %a "$W/n")"
	same "through the link" tUMOUNT "$(cat "$W/n/m/link")"
	consistent
	umount "$W" && ok "umount" || notok "umount"
	umount /mnt/disk
	;;
*)
	notok "unknown phase $phase"
	;;
esac
