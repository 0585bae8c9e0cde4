#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Write the series as "git format-patch" output with a cover letter to
# $XE_SVM_OUT/series/ (the cover letter's subject and text come from
# series/cover-letter: first line, blank line, body).
set -e
. "$(dirname "$0")/lib.sh"

DEST=$OUT/series
rm -rf "$DEST"
mkdir -p "$DEST"
cd "$SRC"
n=$(git rev-list --count base..svm)
git -c core.abbrev=12 format-patch -q --cover-letter --no-signature --zero-commit \
	--base=base -o "$DEST" base..svm

subject=$(head -1 "$REPO/series/cover-letter")
python3 - "$DEST"/0000-cover-letter.patch "$subject" "$REPO/series/cover-letter" <<'PY'
import sys
path, subject, body_file = sys.argv[1:4]
body = open(body_file).read().split('\n', 2)[2].rstrip('\n')
s = open(path).read()
s = s.replace('*** SUBJECT HERE ***', subject).replace('*** BLURB HERE ***', body)
open(path, 'w').write(s)
PY
log "series: $n patches + cover letter in $DEST"
