# SPDX-License-Identifier: GPL-2.0
#
# tests/vm/stress-cases.sh FIXTURES: the boot of tests/run-stress-tests.
# fio writes with --verify=crc32c (sequential, random, mixed; write(2) and
# mmap; into a manifest file across its chunk boundary and into new files),
# verified again after an unmount and mount; then stress-ng's file
# stressors for a bounded time.  vm-run fails the boot on any kernel
# warning.  Prints `ok - NAME` / `not ok - NAME: why` per check.
set -u
FIX=$1
CAS=$FIX/cas
M=$FIX/rich/manifest.json
W=/tmp/w
U=/tmp/u
C=268435456	# the chunk boundary in big/huge.bin
export LC_ALL=C

ok() { echo "ok - $1"; }
notok() { echo "not ok - $1"; }

mkdir -p "$W" "$U"
cd /tmp || exit 1
mount -t tmpfs -o size=700m tmpfs "$U" || { notok "tmpfs for the upper directory"; exit 1; }
mount_w() { bundlefs mount "$M" "$W" --cache "$CAS" --upper "$U"; }
mount_w || { notok "bundlefs mount --upper: exit $?"; exit 1; }

# fio jobs: name, then the job's own options.  --verify_only replays the
# job's pattern and checks it without writing.  The manifest jobs write
# disjoint ranges inside big/huge.bin (256 MiB + 12345 bytes: fio would
# lay out, that is rewrite, a file shorter than its range); rand-manifest
# crosses the chunk boundary.
JOBS="seq-new|--filename=$W/fio-seq --rw=write --bs=128k --size=24m --fsync=16
rand-new|--filename=$W/fio-rand --rw=randwrite --bs=4k --size=8m
mixed-new|--filename=$W/fio-mixed --rw=randrw --bs=16k --size=8m --fdatasync=8
mmap-new|--filename=$W/fio-mmap --ioengine=mmap --rw=randwrite --bs=4k --size=4m
seq-manifest|--filename=$W/big/huge.bin --rw=write --bs=64k --offset=$((C - (9 << 20))) --size=8m --fallocate=none
rand-manifest|--filename=$W/big/huge.bin --rw=randwrite --bs=4k --offset=$((C - (1 << 20))) --size=$(((1 << 20) + 8192)) --fallocate=none
mixed-manifest|--filename=$W/big/huge.bin --rw=randrw --bs=8k --offset=$((64 << 20)) --size=4m --fallocate=none
mmap-manifest|--filename=$W/big/huge.bin --ioengine=mmap --rw=randwrite --bs=4k --size=512k --fallocate=none"

fio_job() {	# fio_job NAME OPTIONS [--verify_only]
	fio --name="$1" $2 ${3:-} --verify=crc32c --verify_fatal=1 --do_verify=1 \
		--randrepeat=1 --randseed=42 --verify_state_save=0 \
		--output=/tmp/fio.out >/dev/null 2>&1
	st=$?
	if [ $st = 0 ] && ! grep -q 'err= *[1-9]' /tmp/fio.out; then
		ok "fio $1${3:+ (after remount)}"
	else
		notok "fio $1${3:+ (after remount)}: exit $st"
		grep -iE 'verify|err|bad' /tmp/fio.out | head -n 5
	fi
}

echo "$JOBS" | while IFS='|' read -r name opts; do
	fio_job "$name" "$opts"
done
# the same bytes after the page cache is gone: unmount, mount, verify
if umount "$W" && mount_w; then ok "remount"; else notok "remount"; fi
echo "$JOBS" | while IFS='|' read -r name opts; do
	fio_job "$name" "$opts" --verify_only
done
# what fio did not touch still reads as the manifest's bytes
# (mmap-manifest has no --offset: fio 3.33's mmap engine writes from the
# start of the file whatever it says, on any filesystem; the first 512 KiB)
for r in "$((1 << 20)) 4096" "$((C - (9 << 20) - 4096)) 4096" "$((68 << 20)) 4096" \
	"$((C + 8192)) 4153"; do
	set -- $r
	bfs-io pread "$W/big/huge.bin" "$1" "$2" >/tmp/got &&
		bfs-io pread "$FIX/rich/src/big/huge.bin" "$1" "$2" >/tmp/want &&
		cmp /tmp/got /tmp/want >/tmp/cmp.out 2>&1 && ok "huge.bin untouched at $1" ||
		notok "huge.bin untouched at $1: $(head -n 1 /tmp/cmp.out)"
done
rm -f "$W"/fio-*

# stress-ng: a bounded run of the file stressors, --verify where they can
mkdir -p "$W/stress"
if stress-ng --temp-path "$W/stress" --timeout 20s --verify \
	--hdd 1 --hdd-bytes 16m --dir 1 --rename 1 --seek 1 --seek-size 32m \
	--fallocate 1 --fallocate-bytes 16m --mmap 1 --mmap-bytes 16m \
	--metrics-brief >/tmp/stress.out 2>&1; then
	ok "stress-ng hdd, dir, rename, seek, fallocate, mmap"
else
	notok "stress-ng: exit $?"
	tail -n 15 /tmp/stress.out
fi
grep -E 'metrc:|successful|failed|skipped' /tmp/stress.out | sed 's/^/# /' | head -n 12
rm -rf "$W/stress"
if umount "$W"; then ok "umount"; else notok "umount"; fi
umount "$U"
