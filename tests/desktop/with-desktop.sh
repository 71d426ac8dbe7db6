#!/usr/bin/env bash
# with-desktop.sh CMD [ARGS...]   (adapted from the workplace's proven harness recipe)
#
# Runs CMD inside a private, throw-away headless desktop session:
#   Xvfb (free display chosen by Xvfb itself via -displayfd)
#   a private D-Bus session bus (dbus-daemon, auto-activation disabled)
#   dbus-monitor logging org.freedesktop.Notifications traffic
#   dunst            -> org.freedesktop.Notifications
#   tray host (HARNESS_TRAY=sni|xembed|both|none, default sni):
#     sni:    gtk-sni-tray-standalone --watcher (org.kde.StatusNotifierWatcher + host, D-Bus tray)
#     xembed: trayer (owner of _NET_SYSTEM_TRAY_S0, XEmbed tray)
#   gnome-keyring    -> org.freedesktop.secrets, "login" keyring unlocked with a throwaway password
# then tears everything down by PID (never by name) and returns CMD's exit status.
#
# Env knobs:
#   HARNESS_KEEP=1        keep the run directory (logs) after exit
#   HARNESS_SCREEN=WxHxD  Xvfb screen (default 1024x768x24)
#   HARNESS_TRAY=sni|xembed|both|none   which tray host (default sni)
#   HARNESS_NO_NOTIFY=1 / HARNESS_NO_KEYRING=1   skip a component
#   HARNESS_WM=openbox    also start a window manager (optional, not needed)
#   HARNESS_PIDS_OUT=FILE copy the "name pid" list of started daemons to FILE
# Exported to CMD:
#   DISPLAY DBUS_SESSION_BUS_ADDRESS XDG_RUNTIME_DIR XDG_DATA_HOME XDG_CONFIG_HOME XDG_CACHE_HOME
#   HARNESS_RUN_DIR HARNESS_NOTIFY_LOG HARNESS_DUNST_LOG HARNESS_TRAY_MODE QT_QPA_PLATFORM=xcb NO_AT_BRIDGE=1
set -uo pipefail

if [[ $# -eq 0 ]]; then
  echo "usage: $0 CMD [ARGS...]" >&2
  exit 2
fi

HARNESS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
RUN="$(mktemp -d "${TMPDIR:-/tmp}/desktop-run.XXXXXX")"
chmod 700 "$RUN"
mkdir -p "$RUN"/{runtime,data,config,cache,dbus-services}
chmod 700 "$RUN/runtime"
export HARNESS_RUN_DIR="$RUN"
export XDG_RUNTIME_DIR="$RUN/runtime"
export XDG_DATA_HOME="$RUN/data"        # gnome-keyring keeps keyrings in $XDG_DATA_HOME/keyrings
export XDG_CONFIG_HOME="$RUN/config"
export XDG_CACHE_HOME="$RUN/cache"
export NO_AT_BRIDGE=1                   # GTK clients (trayer) must not look for the a11y bus
unset WAYLAND_DISPLAY SESSION_MANAGER

PIDS=()        # started processes, in start order
NAMES=()
log() { echo "[with-desktop] $*" >&2; }
ts() { echo "${EPOCHREALTIME/./}"; }      # microseconds (bash >= 5)
secs() { awk -v us="$1" 'BEGIN { printf "%.2f", us / 1e6 }'; }
T_START=$(ts)

start_bg() {  # start_bg NAME LOGFILE CMD...   (runs in the foreground of its own -> real PID)
  local name=$1 logf=$2; shift 2        # stdin: $START_STDIN (default /dev/null)
  "$@" <"${START_STDIN:-/dev/null}" >"$logf" 2>&1 &
  PIDS+=("$!"); NAMES+=("$name")
}

descendants() {  # all live descendants of PID $1 (via /proc ppid links), deepest last
  local p c
  for p in "$@"; do
    for c in $(ps -o pid= --ppid "$p" 2>/dev/null); do
      echo "$c"; descendants "$c"
    done
  done
}

teardown() {
  local rc=$?
  trap - EXIT INT TERM
  local i pid extra
  # 1) CMD's process group (CMD runs under setsid, so its PGID is its PID): whatever of it is
  #    still alive - CMD itself if we were interrupted, or processes it left behind
  if [[ -n "${CMD_PID:-}" ]] && kill -0 -- "-$CMD_PID" 2>/dev/null; then
    kill -TERM -- "-$CMD_PID" 2>/dev/null
    for _ in $(seq 30); do kill -0 -- "-$CMD_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$CMD_PID" 2>/dev/null && log "SIGKILL process group $CMD_PID"
  fi
  # 2) the daemons, newest first, plus any descendants of theirs (helpers they forked)
  extra=$(descendants "${PIDS[@]}" 2>/dev/null | sort -u)
  for (( i=${#PIDS[@]}-1; i>=0; i-- )); do
    pid=${PIDS[$i]}
    if kill -0 "$pid" 2>/dev/null; then kill -TERM "$pid" 2>/dev/null; fi
  done
  for pid in $extra; do kill -TERM "$pid" 2>/dev/null; done
  # wait up to 3 s, then SIGKILL whatever of *ours* is left
  for _ in $(seq 30); do
    local alive=0
    for pid in "${PIDS[@]}" $extra; do kill -0 "$pid" 2>/dev/null && alive=1; done
    (( alive )) || break
    sleep 0.1
  done
  for pid in "${PIDS[@]}" $extra; do
    if kill -0 "$pid" 2>/dev/null; then log "SIGKILL $pid"; kill -KILL "$pid" 2>/dev/null; fi
  done
  wait 2>/dev/null
  if [[ "${HARNESS_KEEP:-0}" == 1 ]]; then log "kept run dir: $RUN"; else rm -rf "$RUN"; fi
  exit "$rc"
}
trap teardown EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

wait_for() {  # wait_for DESCRIPTION TIMEOUT_S CMD...
  local what=$1 tmo=$2; shift 2
  local deadline=$(( $(ts) + tmo * 1000000 ))
  until "$@" >/dev/null 2>&1; do
    if (( $(ts) > deadline )); then
      log "timeout waiting for $what"; return 1
    fi
    sleep 0.05
  done
}

# ---------------------------------------------------------------- Xvfb
exec {dfd}>"$RUN/displayfd"
start_bg Xvfb "$RUN/xvfb.log" Xvfb -displayfd "$dfd" -screen 0 "${HARNESS_SCREEN:-1024x768x24}" \
  -nolisten tcp -noreset +extension RANDR +extension GLX
exec {dfd}>&-
wait_for "Xvfb display number" 10 grep -q '[0-9]' "$RUN/displayfd" || exit 1
export DISPLAY=":$(tr -dc 0-9 <"$RUN/displayfd")"
wait_for "X server $DISPLAY" 10 xdpyinfo -display "$DISPLAY" || { cat "$RUN/xvfb.log" >&2; exit 1; }
T_X=$(ts)

# ---------------------------------------------------------------- D-Bus session bus
cat >"$RUN/session.conf" <<EOF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <keep_umask/>
  <listen>unix:path=$RUN/bus</listen>
  <auth>EXTERNAL</auth>
  <!-- private, empty service dir: nothing is auto-activated, so every daemon
       on this bus is one we started ourselves and know the PID of -->
  <servicedir>$RUN/dbus-services</servicedir>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
EOF
start_bg dbus-daemon "$RUN/dbus.log" dbus-daemon --nofork --nopidfile --config-file="$RUN/session.conf"
export DBUS_SESSION_BUS_ADDRESS="unix:path=$RUN/bus"
wait_for "session bus" 10 dbus-send --session --dest=org.freedesktop.DBus --type=method_call \
  --print-reply /org/freedesktop/DBus org.freedesktop.DBus.GetId || exit 1

has_owner() {
  dbus-send --session --dest=org.freedesktop.DBus --type=method_call --print-reply \
    /org/freedesktop/DBus org.freedesktop.DBus.NameHasOwner "string:$1" 2>/dev/null | grep -q 'boolean true'
}

# dbus-monitor: every Notifications call/return/signal, for tests to assert on
export HARNESS_NOTIFY_LOG="$RUN/notifications.log"
start_bg dbus-monitor "$HARNESS_NOTIFY_LOG" stdbuf -oL dbus-monitor --session \
  "interface='org.freedesktop.Notifications'" "type='method_return'" "type='error'"
T_BUS=$(ts)

# ---------------------------------------------------------------- window manager (optional)
if [[ -n "${HARNESS_WM:-}" ]]; then
  start_bg "$HARNESS_WM" "$RUN/wm.log" "$HARNESS_WM"
fi

# ---------------------------------------------------------------- notification server
if [[ "${HARNESS_NO_NOTIFY:-0}" != 1 ]]; then
  mkdir -p "$RUN/config/dunst"
  # default config + a rule that appends every notification to a log file
  cat /etc/xdg/dunst/dunstrc >"$RUN/config/dunst/dunstrc"
  cat >"$RUN/notify-hook.sh" <<EOF
#!/bin/sh
# dunst calls: appname summary body icon urgency
printf '%s\t%s\t%s\t%s\t%s\n' "\$1" "\$2" "\$3" "\$4" "\$5" >>"$RUN/dunst-received.log"
EOF
  chmod +x "$RUN/notify-hook.sh"
  cat >>"$RUN/config/dunst/dunstrc" <<EOF

[harness_log_all]
    summary = "*"
    script = $RUN/notify-hook.sh
EOF
  export HARNESS_DUNST_LOG="$RUN/dunst-received.log"
  start_bg dunst "$RUN/dunst.log" dunst -config "$RUN/config/dunst/dunstrc"
  wait_for "org.freedesktop.Notifications (dunst)" 10 has_owner org.freedesktop.Notifications \
    || { cat "$RUN/dunst.log" >&2; exit 1; }
fi
T_NOTIFY=$(ts)

# ---------------------------------------------------------------- system tray host
# HARNESS_TRAY=sni (default): gtk-sni-tray-standalone --watcher = org.kde.StatusNotifierWatcher
#                 + a registered StatusNotifierHost. Qt then uses its D-Bus tray backend
#                 (QDBusTrayIcon) and showMessage() becomes an org.freedesktop.Notifications call.
# HARNESS_TRAY=xembed: trayer owns _NET_SYSTEM_TRAY_S0; Qt embeds an XEmbed icon window, and
#                 showMessage() is drawn by Qt itself (QBalloonTip), NOT sent to the notification server.
# HARNESS_TRAY=both | none
TRAY_MODE="${HARNESS_TRAY:-sni}"
[[ "${HARNESS_NO_TRAY:-0}" == 1 ]] && TRAY_MODE=none
if [[ "$TRAY_MODE" == xembed || "$TRAY_MODE" == both ]]; then
  start_bg trayer "$RUN/trayer.log" trayer --edge top --align right --widthtype request \
    --height 32 --SetDockType true --SetPartialStrut true --transparent false --tint 0x303030 \
    --expand true --padding 4 --monitor primary
  # trayer takes the _NET_SYSTEM_TRAY_S0 selection before it maps its panel window
  wait_for "trayer panel window" 10 xdotool search --classname trayer || { cat "$RUN/trayer.log" >&2; exit 1; }
fi
sni_host_ready() {
  dbus-send --session --print-reply --dest=org.kde.StatusNotifierWatcher /StatusNotifierWatcher \
    org.freedesktop.DBus.Properties.Get string:org.kde.StatusNotifierWatcher \
    string:IsStatusNotifierHostRegistered 2>/dev/null | grep -q 'boolean true'
}
if [[ "$TRAY_MODE" == sni || "$TRAY_MODE" == both ]]; then
  # bottom edge so that it does not overlap trayer (top) in "both" mode
  edge=--top; [[ "$TRAY_MODE" == both ]] && edge=--bottom
  # gtk-sni-tray-standalone --watcher races with itself under CPU load (seen 2 in 30 starts on
  # 2 busy cores): its host registers before its own watcher object is exported and it exits with
  # "user error (Pattern match failure in do expression at app/Main.hs:177:3-11)". So: retry.
  sni_ok=0
  for attempt in 1 2 3 4 5; do
    start_bg gtk-sni-tray "$RUN/sni-tray.log" gtk-sni-tray-standalone --watcher "$edge" --end \
      --size 32 --color '#303030'
    sni_pid=${PIDS[-1]}
    sni_alive_or_ready() { sni_host_ready || ! kill -0 "$sni_pid" 2>/dev/null; }
    wait_for "StatusNotifierWatcher + host" 15 sni_alive_or_ready || break
    if sni_host_ready; then sni_ok=1; break; fi
    wait "$sni_pid" 2>/dev/null
    log "gtk-sni-tray-standalone exited during start-up (attempt $attempt): $(tail -1 "$RUN/sni-tray.log")"
  done
  (( sni_ok )) || { log "no StatusNotifierHost"; cat "$RUN/sni-tray.log" >&2; exit 1; }
fi
export HARNESS_TRAY_MODE="$TRAY_MODE"
T_TRAY=$(ts)

# ---------------------------------------------------------------- Secret Service (gnome-keyring)
if [[ "${HARNESS_NO_KEYRING:-0}" != 1 ]]; then
  # --unlock reads the password from stdin and creates/unlocks the "login" keyring,
  # which becomes the default collection; --foreground keeps the real PID.
  KEYRING_PASSWORD="${HARNESS_KEYRING_PASSWORD:-harness-throwaway-$$}"
  ( umask 077; printf '%s' "$KEYRING_PASSWORD" >"$RUN/keyring-password" )
  START_STDIN="$RUN/keyring-password" start_bg gnome-keyring-daemon "$RUN/gnome-keyring.log" \
    gnome-keyring-daemon --foreground --unlock --components=secrets
  wait_for "org.freedesktop.secrets (gnome-keyring)" 10 has_owner org.freedesktop.secrets \
    || { cat "$RUN/gnome-keyring.log" >&2; exit 1; }
  rm -f "$RUN/keyring-password"
  export HARNESS_KEYRING_PASSWORD="$KEYRING_PASSWORD"
fi
T_KEYRING=$(ts)

export QT_QPA_PLATFORM="${QT_QPA_PLATFORM:-xcb}"
printf '%s\n' "${NAMES[@]}" | paste -d' ' - <(printf '%s\n' "${PIDS[@]}") >"$RUN/pids"
echo "xvfb=$(secs $((T_X-T_START))) bus=$(secs $((T_BUS-T_X))) notify=$(secs $((T_NOTIFY-T_BUS)))" \
  "tray=$(secs $((T_TRAY-T_NOTIFY))) keyring=$(secs $((T_KEYRING-T_TRAY))) total=$(secs $((T_KEYRING-T_START)))" \
  >"$RUN/startup-times"
log "session up on DISPLAY=$DISPLAY bus=$DBUS_SESSION_BUS_ADDRESS in $(cut -d' ' -f6 "$RUN/startup-times" | cut -d= -f2)s ($(tr '\n' ' ' <"$RUN/pids"))"

# ---------------------------------------------------------------- run the command
[[ -n "${HARNESS_PIDS_OUT:-}" ]] && cp "$RUN/pids" "$HARNESS_PIDS_OUT"
# CMD runs in its own process group (setsid) in the background + `wait`, so a SIGTERM/SIGINT
# sent to this script (e.g. by a CI timeout) is handled at once: the EXIT trap then ends CMD's
# process group and the daemons, all by PID/PGID.
if { true <&0; } 2>/dev/null; then setsid "$@" <&0 & else setsid "$@" </dev/null & fi
CMD_PID=$!
wait "$CMD_PID"
rc=$?
exit "$rc"
