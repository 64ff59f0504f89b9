# Debian/Ubuntu packages, in one place for the demo (installer/demo-debian.sh) and CI
# (.ci/run), which source this file.

# What the desktop needs on a real screen: python3-venv (Debian ships venv apart), a CJK
# TrueType font (Qt and reportlab render Chinese with it), and the libraries Qt's xcb
# platform plugin and its GL integrations load. A desktop install has most of them, but
# not libxcb-cursor0 and friends: without them Qt aborts before any window appears.
DESKTOP_PACKAGES=(python3-venv fonts-wqy-microhei fontconfig libgl1 libegl1 libdbus-1-3
    libglib2.0-0 libxkbcommon0 libxkbcommon-x11-0 libx11-xcb1 libxcb-cursor0 libxcb-glx0
    libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-randr0 libxcb-render-util0
    libxcb-shape0 libxcb-shm0 libxcb-sync1 libxcb-xfixes0 libxcb-xkb1)

# What the tests add: Debian's chromium (the companion's browser tests drive it through
# playwright, no browser download of its own), pdftotext for the receipt tests, zbarimg to
# read the payment notice's QR code back, and an X server, xdotool and ImageMagick's
# `import` for the test that starts the real desktop; LibreOffice (soffice) and Gnumeric
# (ssconvert), the second and third readers every workbook is opened in; nginx (light)
# in front of two `meterdesk serve` processes, as installer/nginx-meterdesk.conf.sample.
TEST_PACKAGES=(chromium poppler-utils zbar-tools xvfb xdotool imagemagick
    libreoffice-calc-nogui gnumeric nginx-light)

# Installs those of the given packages that are missing (with sudo when not root).
install_debian_packages() {
    local missing=() pkg sudo=""
    for pkg in "$@"; do
        dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
    done
    ((${#missing[@]})) || return 0
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    echo "installing: ${missing[*]}"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
}
