#!/bin/sh
# stage-ship-image.sh DIR BINARY CA_BUNDLE: lays out the oomsentry-ship
# image's root in DIR: BINARY stripped as usr/bin/oomsentry-ship, every
# shared library ldd says it loads (and the loader) at its own path, and
# CA_BUNDLE as /etc/ssl/certs/ca-certificates.crt, where Debian's libcurl
# looks for it.
set -eu
dir=$1 bin=$2 ca=$3
strip=${STRIP:-strip}
[ -f "$ca" ] || { echo "stage-ship-image.sh: no CA bundle at $ca (apt-get install ca-certificates)" >&2; exit 1; }
rm -rf "$dir"
mkdir -p "$dir/usr/bin" "$dir/etc/ssl/certs"
"$strip" -o "$dir/usr/bin/oomsentry-ship" "$bin"
libs=$(ldd "$bin" | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// && $1 !~ /:$/ {print $1}' | sort -u)
[ -n "$libs" ] || { echo "stage-ship-image.sh: ldd found no library for $bin" >&2; exit 1; }
for lib in $libs; do
	mkdir -p "$dir$(dirname "$lib")"
	cp -L "$lib" "$dir$lib"
done
cp -L "$ca" "$dir/etc/ssl/certs/ca-certificates.crt"
