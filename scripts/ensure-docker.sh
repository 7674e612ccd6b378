#!/usr/bin/env bash
# Start dockerd when no engine answers (these machines have no systemd). Exit 1 with one line if it cannot.
set -u
docker info >/dev/null 2>&1 && exit 0
if ! command -v dockerd >/dev/null; then
  echo "ensure-docker: dockerd is not installed (apt-get install docker.io)" >&2
  exit 1
fi
mkdir -p /var/log
echo "ensure-docker: starting dockerd (log: /var/log/dockerd.log)"
# setsid: dockerd must outlive the shell that started it (and its process group).
setsid nohup dockerd >/var/log/dockerd.log 2>&1 < /dev/null &
for _ in $(seq 60); do
  docker info >/dev/null 2>&1 && exit 0
  sleep 1
done
echo "ensure-docker: dockerd did not answer within 60 s; see /var/log/dockerd.log" >&2
exit 1
