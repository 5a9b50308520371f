#!/usr/bin/env bash
# make-fixtures.sh — regenerates the barcode-photo fixtures used by com.tracesentinel.imaging tests.
#
# Why: the decoder must work on symbols that ZXing did not draw itself, so every symbol here is encoded by
# Debian's zint (an independent encoder) and then damaged with ImageMagick the way phone photos of medicine
# boxes are: rotation, blur, noise, JPEG quality 40, perspective, low contrast, no quiet zone, several codes
# per image, and a small code in a 4000x3000 photo.
#
# Needs: zint (2.11+) and ImageMagick 6 (`apt-get install -y zint imagemagick`). Uses /usr/bin/convert
# explicitly because /usr/local/bin/convert may be a stand-in that only converts PNG to PPM.
# Optional: cwebp is not needed; ImageMagick writes the WebP fixture when built with libwebp.
#
# Usage: bash src/test/resources/imaging/make-fixtures.sh   (from anywhere; writes next to this script)
# Idempotent: fixed seeds for every random operator, metadata stripped, same output on every run with the
# same tool versions. It rewrites fixtures.csv (file,texts,formats,notes), which ImageDecoderFixturesTest reads.
# In fixtures.csv, several expected texts/formats are separated by '|', in reading order, and the GS
# separator (0x1D) is written as <GS>. An empty texts field means "no code must be reported".
set -euo pipefail
cd "$(dirname "$0")"

CONVERT=/usr/bin/convert
[ -x "$CONVERT" ] || CONVERT="$(command -v magick || true)"
command -v zint >/dev/null || { echo "zint missing: apt-get install -y zint" >&2; exit 1; }
[ -n "$CONVERT" ] && "$CONVERT" -version | grep -q ImageMagick || { echo "ImageMagick missing: apt-get install -y imagemagick" >&2; exit 1; }

TMP="$(mktemp -d)"; trap 'rm -rf "$TMP"' EXIT
# Deterministic PNG/JPEG output: no timestamps, no profiles.
IM() { "$CONVERT" "$@"; }
PNGOPT=(-strip -define png:exclude-chunks=date,time)
JPGOPT=(-strip -sampling-factor 2x2)

# ---- payloads (valid GS1 check digits: 06901234567892, 06901234567908) ----
GS1_A='[01]06901234567892[17]271231[10]B123[21]SN0001'
GS1_A_TXT='010690123456789217271231' # fixed-length AIs need no separator
GS1_A_DM="]d2${GS1_A_TXT}10B123<GS>21SN0001"
GS1_A_QR="]Q3${GS1_A_TXT}10B123<GS>21SN0001"
GS1_B='[01]06901234567908[17]280630[10]L7[21]SN0002'
GS1_B_DM=']d2010690123456790817280630'"10L7<GS>21SN0002"
GS1_128='[01]06901234567892[10]B123[21]SN0001'
GS1_128_TXT=']C1010690123456789210B123<GS>21SN0001'
CN20='81234567890123456789'
CN20_B='81234567890123450001'
DL='https://id.gs1.org/01/06901234567892/10/B123/21/SN0001?17=271231'
EAN='690123456789'      # zint adds the check digit
EAN_TXT='6901234567892'

# group: which class of the superset test (ImageDecoderSupersetTest) a fixture counts in; set before each section.
CSV="file,texts,formats,group,notes"
GROUP=damaged
add() { CSV+=$'\n'"$1,$2,$3,$GROUP,$4"; }

# ---- clean symbols from zint ----
zint -b DATAMATRIX --gs1 --square --scale 4 --quietzones -d "$GS1_A" -o "$TMP/dm.png"
zint -b DATAMATRIX --gs1 --square --scale 4 -d "$GS1_A" -o "$TMP/dm_nqz.png"       # zint: no quiet zone by default
zint -b DATAMATRIX --gs1 --square --scale 3 --quietzones -d "$GS1_B" -o "$TMP/dm_b.png"
zint -b QRCODE --gs1 --scale 4 -d "$GS1_A" -o "$TMP/qr_gs1.png"
zint -b QRCODE --scale 4 -d "$DL" -o "$TMP/qr_dl.png"
zint -b GS1_128 --scale 2 --height 40 -d "$GS1_128" -o "$TMP/gs1_128.png"
zint -b CODE128 --scale 2 --height 40 -d "$CN20" -o "$TMP/c128.png"
zint -b CODE128 --scale 2 --height 40 --noquietzones -d "$CN20_B" -o "$TMP/c128_b_nqz.png"
zint -b C25INTER --scale 2 --height 40 -d "$CN20" -o "$TMP/itf.png"                 # zint: no quiet zone by default
zint -b CODE39 --scale 2 --height 40 -d "$CN20" -o "$TMP/c39.png"
zint -b EANX --scale 2 --height 40 -d "$EAN" -o "$TMP/ean.png"

cp_png() { IM "$1" "${PNGOPT[@]}" "$2"; }
cp_png "$TMP/dm.png" dm_gs1.png;                 add dm_gs1.png "$GS1_A_DM" DATA_MATRIX "GS1 DataMatrix with quiet zone"
cp_png "$TMP/dm_nqz.png" dm_gs1_noquiet.png;     add dm_gs1_noquiet.png "$GS1_A_DM" DATA_MATRIX "no quiet zone"
cp_png "$TMP/qr_gs1.png" qr_gs1.png;             add qr_gs1.png "$GS1_A_QR" QR_CODE "GS1 QR (FNC1 first)"
cp_png "$TMP/qr_dl.png" qr_digital_link.png;     add qr_digital_link.png "$DL" QR_CODE "GS1 Digital Link URI, plain text"
cp_png "$TMP/gs1_128.png" gs1_128.png;           add gs1_128.png "$GS1_128_TXT" CODE_128 "GS1-128 with a variable-length field"
cp_png "$TMP/c128.png" code128_cn20.png;         add code128_cn20.png "$CN20" CODE_128 "CN20 in Code 128"
cp_png "$TMP/c128_b_nqz.png" code128_cn20_noquiet.png; add code128_cn20_noquiet.png "$CN20_B" CODE_128 "no quiet zone"
cp_png "$TMP/itf.png" itf_cn20.png;              add itf_cn20.png "$CN20" ITF "CN20 in ITF, no quiet zone"
cp_png "$TMP/c39.png" code39_cn20.png;           add code39_cn20.png "$CN20" CODE_39 "CN20 in Code 39"
cp_png "$TMP/ean.png" ean13.png;                 add ean13.png "$EAN_TXT" EAN_13 "GTIN-13"

# ---- other container formats ----
IM "$TMP/c128.png" -strip code128_cn20.gif;                       add code128_cn20.gif "$CN20" CODE_128 "GIF"
IM "$TMP/qr_gs1.png" -strip -type TrueColor BMP3:qr_gs1.bmp;      add qr_gs1.bmp "$GS1_A_QR" QR_CODE "BMP"
IM "$TMP/dm.png" -strip -quality 60 dm_gs1.webp;                  add dm_gs1.webp "$GS1_A_DM" DATA_MATRIX "lossy WebP"

# ---- distortions ----
IM "$TMP/dm.png" -background white -rotate 10 "${PNGOPT[@]}" dm_rot10.png;  add dm_rot10.png "$GS1_A_DM" DATA_MATRIX "rotated 10 degrees"
IM "$TMP/dm.png" -background white -rotate 45 "${PNGOPT[@]}" dm_rot45.png;  add dm_rot45.png "$GS1_A_DM" DATA_MATRIX "rotated 45 degrees"
IM "$TMP/dm.png" -blur 0x2 "${PNGOPT[@]}" dm_blur.png;                     add dm_blur.png "$GS1_A_DM" DATA_MATRIX "Gaussian blur sigma 2 (half a module)"
IM "$TMP/dm.png" -seed 1 -attenuate 0.6 +noise Gaussian -colorspace Gray "${JPGOPT[@]}" -quality 40 dm_noise_q40.jpg
add dm_noise_q40.jpg "$GS1_A_DM" DATA_MATRIX "Gaussian noise then JPEG quality 40"
IM "$TMP/dm.png" -background white -virtual-pixel background -distort Perspective '0,0 12,8  191,0 180,0  0,191 0,191  191,191 191,170' "${PNGOPT[@]}" dm_perspective.png
add dm_perspective.png "$GS1_A_DM" DATA_MATRIX "slight perspective"
IM "$TMP/dm.png" +level 40%,65% "${PNGOPT[@]}" dm_lowcontrast.png;        add dm_lowcontrast.png "$GS1_A_DM" DATA_MATRIX "low contrast (grey 40% on grey 65%)"
IM "$TMP/qr_gs1.png" -background white -rotate 30 -seed 2 -attenuate 0.5 +noise Gaussian "${JPGOPT[@]}" -quality 40 qr_rot30_q40.jpg
add qr_rot30_q40.jpg "$GS1_A_QR" QR_CODE "rotated 30, noise, JPEG 40"
IM "$TMP/c128.png" -background white -rotate 10 "${PNGOPT[@]}" code128_rot10.png; add code128_rot10.png "$CN20" CODE_128 "rotated 10 degrees"
IM "$TMP/c128.png" -background white -rotate 90 "${PNGOPT[@]}" code128_rot90.png; add code128_rot90.png "$CN20" CODE_128 "vertical"
IM "$TMP/gs1_128.png" -blur 0x1 "${JPGOPT[@]}" -quality 40 gs1_128_blur_q40.jpg;  add gs1_128_blur_q40.jpg "$GS1_128_TXT" CODE_128 "blur and JPEG 40"
IM "$TMP/c128.png" +level 30%,60% -seed 3 -attenuate 0.4 +noise Gaussian "${JPGOPT[@]}" -quality 50 code128_lowcontrast_noise.jpg
add code128_lowcontrast_noise.jpg "$CN20" CODE_128 "low contrast, noise, JPEG 50"
IM "$TMP/ean.png" -background white -virtual-pixel background -distort Perspective '0,0 20,10  451,0 440,0  0,231 0,231  451,231 430,215' "${PNGOPT[@]}" ean13_perspective.png
add ean13_perspective.png "$EAN_TXT" EAN_13 "perspective"
IM "$TMP/itf.png" -blur 0x0.8 -seed 4 -attenuate 0.3 +noise Gaussian "${JPGOPT[@]}" -quality 40 itf_cn20_q40.jpg
add itf_cn20_q40.jpg "$CN20" ITF "blur, noise, JPEG 40, no quiet zone"

IM "$TMP/dm.png" -background white -rotate 30 "${PNGOPT[@]}" dm_rot30.png;  add dm_rot30.png "$GS1_A_DM" DATA_MATRIX "rotated 30 degrees"
IM "$TMP/dm.png" +level 45%,55% "${PNGOPT[@]}" dm_contrast10.png;        add dm_contrast10.png "$GS1_A_DM" DATA_MATRIX "very low contrast (grey 45% on grey 55%)"
IM "$TMP/c128.png" -background white -rotate 30 "${PNGOPT[@]}" code128_rot30.png; add code128_rot30.png "$CN20" CODE_128 "rotated 30 degrees: too far for a scan line"

IM -size 400x300 xc:'#2a2a2a' \( "$TMP/dm.png" -negate \) -geometry +100+50 -composite -seed 9 -attenuate 0.3 +noise Gaussian \
  "${JPGOPT[@]}" -quality 60 dm_inverted_dark.jpg
add dm_inverted_dark.jpg "$GS1_A_DM" DATA_MATRIX "light on dark (laser-marked carton)"

# ---- the same code twice (a box photographed with its label repeated): reported once ----
IM "$TMP/c128.png" "$TMP/c128.png" -background white -gravity center -splice 0x40 -append "${PNGOPT[@]}" dup_code128.png
add dup_code128.png "$CN20" CODE_128 "same code printed twice: deduplicated"

# ---- several codes on one label: reading order is top row left to right, then the next row ----
IM -size 1100x620 xc:white \
  "$TMP/dm.png" -geometry +40+40 -composite \
  "$TMP/c128.png" -geometry +420+60 -composite \
  "$TMP/qr_dl.png" -geometry +40+330 -composite \
  "$TMP/ean.png" -geometry +420+360 -composite \
  -colorspace Gray "${PNGOPT[@]}" multi_label.png
add multi_label.png "$GS1_A_DM|$CN20|$DL|$EAN_TXT" "DATA_MATRIX|CODE_128|QR_CODE|EAN_13" "2x2 label"
IM -size 1280x560 xc:white \
  "$TMP/dm.png" -geometry +80+30 -composite \
  "$TMP/dm_b.png" -geometry +760+50 -composite \
  "$TMP/gs1_128.png" -geometry +60+300 -composite \
  -resize 80% -colorspace Gray -seed 5 -attenuate 0.3 +noise Gaussian "${JPGOPT[@]}" -quality 60 multi_two_dm.jpg
add multi_two_dm.jpg "$GS1_A_DM|$GS1_B_DM|$GS1_128_TXT" "DATA_MATRIX|DATA_MATRIX|CODE_128" "two DataMatrix side by side, GS1-128 below"

# ---- photo-sized images: cardboard-like background, printed text, codes pasted small ----
background() { # $1 size WxH, $2 seed, $3 out: a muted, blurry plasma, like an out-of-focus desk
  IM -seed "$2" -size 500x375 plasma:wheat-tan -blur 0x2 -modulate 100,45 -resize "$1!" "$3"
}
text_block() { # sets TEXT to ImageMagick options that draw a few lines of box print: $1 point size, $2 x, $3 y
  TEXT=(-font DejaVu-Sans -fill '#333' -pointsize "$1"
    -annotate "+$2+$3" 'Amoxicillin Capsules 0.25g x 24'
    -annotate "+$2+$(( $3 + $1 * 2 ))" 'Batch B123  EXP 2027-12-31'
    -annotate "+$2+$(( $3 + $1 * 4 ))" 'Store below 25C. Keep out of reach of children.')
}
background 1600x1200 21 "$TMP/bg2.png"
IM "$TMP/dm.png" -resize 60% "$TMP/dm_small.png"
IM "$TMP/c128.png" -resize 70% "$TMP/c128_small.png"
text_block 28 340 320
IM "$TMP/bg2.png" -fill white -draw 'rectangle 300,250 1300,950' "${TEXT[@]}" \
  "$TMP/dm_small.png" -geometry +380+560 -composite \
  "$TMP/c128_small.png" -geometry +700+600 -composite \
  -background '#d8c8a8' -rotate 4 -gravity center -crop 1600x1200+0+0 +repage \
  -blur 0x0.7 -seed 6 -attenuate 0.4 +noise Gaussian "${JPGOPT[@]}" -quality 60 photo_2mp.jpg
add photo_2mp.jpg "$GS1_A_DM|$CN20" "DATA_MATRIX|CODE_128" "1600x1200 box photo: DataMatrix and CN20 Code 128, rotated 4 degrees"

background 4000x3000 31 "$TMP/bg12.png"
IM "$TMP/dm.png" -resize 75% "$TMP/dm_tiny.png"      # ~145 px: about 4 % of the photo's width
text_block 40 2350 1780
IM "$TMP/bg12.png" -fill '#f4f1ea' -draw 'rectangle 2300,1700 3500,2500' "${TEXT[@]}" \
  "$TMP/dm_tiny.png" -geometry +3150+2200 -composite \
  -blur 0x0.8 -seed 7 -attenuate 0.3 +noise Gaussian "${JPGOPT[@]}" -quality 40 photo_12mp.jpg
add photo_12mp.jpg "$GS1_A_DM" DATA_MATRIX "4000x3000 photo, small DataMatrix far from the centre"

background 800x600 41 "$TMP/bg0.png"
text_block 22 130 160
IM "$TMP/bg0.png" -fill white -draw 'rectangle 100,100 700,500' "${TEXT[@]}" \
  -seed 8 -attenuate 0.3 +noise Gaussian "${JPGOPT[@]}" -quality 60 photo_nocode.jpg
add photo_nocode.jpg "" "" "box print, no code: nothing must be reported"

# ---- symbols that plain ZXing reads and the pipeline once missed (tight crops, rectangular and DMRE sizes,
# C40/Text/X12/EDIFACT/Base256 encodation, one pixel per module), each also turned 90, 180 and 270 degrees ----
# zint draws matrix symbols with no quiet zone unless asked (--quietzones), so its PNGs are cropped to the
# symbol's edge; --scale 0.5 is one pixel per module, 1 is two, 1.5 three, 2 four. Turning by a right angle is
# lossless. One subdirectory per group; every file is a few hundred bytes.
turns() { # $1 zint PNG, $2 output path without extension, $3 expected text, $4 format, $5 notes
  local r
  for r in 0 90 180 270; do
    IM "$1" -rotate "$r" "${PNGOPT[@]}" "${2}_r$r.png"; add "${2}_r$r.png" "$3" "$4" "$5, turned $r"
  done
}
GS1_S='[01]06901234567892[21]SN1'
GS1_S_DM=']d2010690123456789221SN1'
GS1_S_QR=']Q3010690123456789221SN1'
GS1_L='[01]06901234567892[17]271231[10]B123456789[21]SN00012345678901'
GS1_L_DM="]d2${GS1_A_TXT}10B123456789<GS>21SN00012345678901"
N10='8123456789'
N6='812345'
mkdir -p cropped rectangular encodation one_px
rm -f cropped/*.png rectangular/*.png encodation/*.png one_px/*.png

GROUP=cropped # no quiet zone at all: the image ends where the symbol does
z() { zint "$@" -o "$TMP/z.png"; } # every symbol below is drawn to $TMP/z.png, then stored in four turns
z -b DATAMATRIX --square --scale 1 -d "$CN20";              turns "$TMP/z.png" cropped/dm_cn20_2px "$CN20" DATA_MATRIX "DataMatrix 16x16, 2 px/module, cropped"
z -b DATAMATRIX --square --scale 1.5 -d "$CN20_B";          turns "$TMP/z.png" cropped/dm_cn20_3px "$CN20_B" DATA_MATRIX "DataMatrix 16x16, 3 px/module, cropped"
z -b DATAMATRIX --gs1 --square --scale 1 -d "$GS1_A";       turns "$TMP/z.png" cropped/dm_gs1_2px "$GS1_A_DM" DATA_MATRIX "GS1 DataMatrix, 2 px/module, cropped"
z -b DATAMATRIX --gs1 --square --scale 2 -d "$GS1_B";       turns "$TMP/z.png" cropped/dm_gs1_4px "$GS1_B_DM" DATA_MATRIX "GS1 DataMatrix, 4 px/module, cropped"
z -b DATAMATRIX --vers=1 --scale 1.5 -d "$N6";              turns "$TMP/z.png" cropped/dm_10x10 "$N6" DATA_MATRIX "DataMatrix 10x10, 3 px/module, cropped"
z -b DATAMATRIX --vers=16 --scale 1 -d "$DL";               turns "$TMP/z.png" cropped/dm_64x64 "$DL" DATA_MATRIX "DataMatrix 64x64 (4 data regions), 2 px/module, cropped"
z -b QRCODE --gs1 --scale 1 -d "$GS1_A";                    turns "$TMP/z.png" cropped/qr_gs1_2px "$GS1_A_QR" QR_CODE "GS1 QR, 2 px/module, cropped"
z -b QRCODE --scale 1.5 -d "$DL";                           turns "$TMP/z.png" cropped/qr_dl_3px "$DL" QR_CODE "Digital Link QR, 3 px/module, cropped"
z -b CODE128 --noquietzones --notext --height 30 -d "$CN20"; turns "$TMP/z.png" cropped/c128_cn20 "$CN20" CODE_128 "Code 128, cropped"
z -b GS1_128 --noquietzones --notext --height 30 -d "$GS1_128"; turns "$TMP/z.png" cropped/gs1_128 "$GS1_128_TXT" CODE_128 "GS1-128, cropped"
z -b CODE39 --noquietzones --notext --height 30 -d "$CN20"; turns "$TMP/z.png" cropped/c39_cn20 "$CN20" CODE_39 "Code 39, cropped"
z -b EANX --noquietzones --notext --height 30 -d "$EAN";    turns "$TMP/z.png" cropped/ean13 "$EAN_TXT" EAN_13 "EAN-13, cropped"

GROUP=rectangular # rectangular DataMatrix (ISO 16022) and DMRE (ISO 21471) sizes, 2 px/module, cropped
rect() { # $1 zint --vers, $2 rows x columns, $3 zint data option(s) as one string, $4 payload, $5 expected text
  # shellcheck disable=SC2086
  zint -b DATAMATRIX --dmre --vers="$1" --scale 1 $3 -d "$4" -o "$TMP/z.png"
  turns "$TMP/z.png" "rectangular/dm_$2" "$5" DATA_MATRIX "DataMatrix $2, 2 px/module, cropped"
}
rect 25 8x18 ""      "$N10"   "$N10"
rect 26 8x32 ""      "$CN20"  "$CN20"
rect 27 12x26 --gs1  "$GS1_S" "$GS1_S_DM"
rect 28 12x36 --gs1  "$GS1_S" "$GS1_S_DM"
rect 29 16x36 --gs1  "$GS1_A" "$GS1_A_DM"
rect 30 16x48 --gs1  "$GS1_B" "$GS1_B_DM"
rect 31 8x48 --gs1   "$GS1_S" "$GS1_S_DM"
rect 36 8x144 --gs1  "$GS1_L" "$GS1_L_DM"
# The same alone on a page: upright, only pure-barcode mode reads it (the detectors miss it even padded)
IM -size 640x200 xc:white "$TMP/z.png" -gravity center -composite "$TMP/page.png"
turns "$TMP/page.png" rectangular/dm_8x144_page "$GS1_L_DM" DATA_MATRIX "DataMatrix 8x144, 2 px/module, alone on a 640x200 page"
rect 37 12x64 --gs1  "$GS1_A" "$GS1_A_DM"
rect 39 16x64 ""     "$DL"    "$DL"
rect 43 22x48 --gs1  "$GS1_L" "$GS1_L_DM"
rect 44 24x48 --gs1  "$GS1_A" "$GS1_A_DM"
rect 46 26x40 --gs1  "$GS1_B" "$GS1_B_DM"
rect 48 26x64 ""     "$DL"    "$DL"

GROUP=encodation # DataMatrix data chosen so that zint's encoder switches to each encodation (the test checks
# the latch codeword in the decoded codewords); square, 2 px/module, cropped
enc() { # $1 name, $2 data, $3 expected text (as printed in fixtures.csv), $4 encodation, $5 extra zint options
  # shellcheck disable=SC2086
  zint -b DATAMATRIX --square --scale 1 ${5:-} -d "$2" -o "$TMP/z.png"
  turns "$TMP/z.png" "encodation/dm_$1" "$3" DATA_MATRIX "DataMatrix, $4 encodation"
}
enc ascii   '0690123456789212345678' '0690123456789212345678' ASCII
enc c40     'TRACESENTINEL BATCH B123 SN0001' 'TRACESENTINEL BATCH B123 SN0001' C40
enc text    'tracesentinel batch b123 sn0001' 'tracesentinel batch b123 sn0001' Text
enc x12     'AB*CD>EF*GH>12*34>56*78>90*AB>CD*EF' 'AB*CD>EF*GH>12*34>56*78>90*AB>CD*EF' X12
enc edifact '@B123/SN-0001:EXP=2027;LOT=B123;@' '@B123/SN-0001:EXP=2027;LOT=B123;@' EDIFACT
enc base256 'ÄÖÜäöüßéèêàçÄÖÜäöüßéèêàç' 'ÄÖÜäöüßéèêàçÄÖÜäöüßéèêàç' Base256
enc gs1_c40 '[01]06901234567892[21]ABCDEFGHJKLMNPQRST' ']d2010690123456789221ABCDEFGHJKLMNPQRST' 'GS1, ASCII then C40' --gs1

GROUP=one_px # one pixel per module, the finest a symbol can be stored
px1() { # $1 name, $2 expected text, $3 format, $4 notes, then zint options
  local name=$1 text=$2 format=$3 notes=$4; shift 4
  zint "$@" --scale 0.5 -o "$TMP/z.png"
  turns "$TMP/z.png" "one_px/$name" "$text" "$format" "$notes, 1 px/module"
}
px1 qr_v1 "$CN20" QR_CODE "QR version 1 (21x21 px), cropped" -b QRCODE --vers=1 -d "$CN20"
px1 qr_v2 "$GS1_S_QR" QR_CODE "GS1 QR version 2 (25x25 px), cropped" -b QRCODE --gs1 --vers=2 -d "$GS1_S"
px1 qr_v4 "$GS1_A_QR" QR_CODE "GS1 QR version 4 (33x33 px), cropped" -b QRCODE --gs1 --vers=4 -d "$GS1_A"
px1 qr_v7 "$DL" QR_CODE "QR version 7 (45x45 px), cropped" -b QRCODE --vers=7 -d "$DL"
px1 qr_v12 "$DL" QR_CODE "QR version 12 (65x65 px), cropped" -b QRCODE --vers=12 -d "$DL"
px1 qr_v12_qz "$DL" QR_CODE "QR version 12 with its 4-module quiet zone (73x73 px)" -b QRCODE --vers=12 --quietzones -d "$DL"
px1 dm_12x12 "$N10" DATA_MATRIX "DataMatrix 12x12, cropped" -b DATAMATRIX --vers=2 -d "$N10"
px1 dm_16x16 "$CN20" DATA_MATRIX "DataMatrix 16x16, cropped" -b DATAMATRIX --vers=4 -d "$CN20"
px1 dm_24x24 "$GS1_A_DM" DATA_MATRIX "GS1 DataMatrix 24x24, cropped" -b DATAMATRIX --gs1 --vers=8 -d "$GS1_A"
px1 dm_24x24_qz "$GS1_A_DM" DATA_MATRIX "GS1 DataMatrix 24x24 with its 1-module quiet zone" -b DATAMATRIX --gs1 --vers=8 --quietzones -d "$GS1_A"
px1 dm_32x32 "$GS1_L_DM" DATA_MATRIX "GS1 DataMatrix 32x32, cropped" -b DATAMATRIX --gs1 --vers=10 -d "$GS1_L"
px1 dm_48x48 "$DL" DATA_MATRIX "DataMatrix 48x48, cropped" -b DATAMATRIX --vers=14 -d "$DL"
px1 dm_16x48 "$GS1_B_DM" DATA_MATRIX "GS1 DataMatrix 16x48, cropped" -b DATAMATRIX --gs1 --vers=30 -d "$GS1_B"
# The same kind of symbols alone on a white 640x480 page (a low-resolution scan or screenshot): too big to be
# enlarged whole, too fine for the detectors; one upright symbol on white is what pure-barcode mode reads.
px1_page() { # $1 name, $2 expected text, $3 format, $4 notes, then zint options
  local name=$1 text=$2 format=$3 notes=$4; shift 4
  zint "$@" --scale 0.5 -o "$TMP/z.png"
  IM -size 640x480 xc:white "$TMP/z.png" -gravity center -composite "$TMP/page.png"
  turns "$TMP/page.png" "one_px/${name}_page" "$text" "$format" "$notes, 1 px/module, alone on a 640x480 white page"
}
px1_page qr_v12 "$DL" QR_CODE "QR version 12" -b QRCODE --vers=12 -d "$DL"
px1_page dm_24x24 "$GS1_A_DM" DATA_MATRIX "GS1 DataMatrix 24x24" -b DATAMATRIX --gs1 --vers=8 -d "$GS1_A"
px1_page dm_16x48 "$GS1_B_DM" DATA_MATRIX "GS1 DataMatrix 16x48" -b DATAMATRIX --gs1 --vers=30 -d "$GS1_B"
px1_page dm_8x144 "$GS1_L_DM" DATA_MATRIX "GS1 DataMatrix 8x144" -b DATAMATRIX --dmre --gs1 --vers=36 -d "$GS1_L"

printf '%s\n' "$CSV" > fixtures.csv
ls -l --block-size=K *.png *.jpg *.gif *.bmp *.webp */*.png | awk '{s+=$5} END {print "total", s "K"}'
