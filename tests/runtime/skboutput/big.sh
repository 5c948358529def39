#!/bin/sh
# big.sh IF PEER NS NS4 HOST4 TMP [PAGES] - for skboutput.test, under
# netns.py --shell: the veth's MTU raised to 9000, sonde's skboutput() at
# ip_rcv waiting for the one UDP datagram of 6000 bytes sent across it
# (the probe exits on it), then the file read back with tcpdump.
# PAGES, when given, is BPFTRACE_PERF_RB_PAGES: each CPU's perf buffer.
set -eu
if=$1 peer=$2 ns=$3 ns4=$4 host4=$5 tmp=$6
[ $# -ge 7 ] && export BPFTRACE_PERF_RB_PAGES="$7"
ip link set "$if" mtu 9000
ip netns exec "$ns" ip link set "$peer" mtu 9000
mkfifo "$tmp/ready"
prog='fentry:ip_rcv /str(args.dev->name) == "'"$if"'" && args.skb->len > 6000/ {
	printf("ret %d\n", skboutput("'"$tmp"'/big.pcap", args.skb, args.skb->len, 0));
	exit();
}'
SONDE_READY_FD=3 "$SONDE" -e "$prog" 3>"$tmp/ready" &
sonde=$!
read -r attached <"$tmp/ready"
echo "sonde: $attached"
ip netns exec "$ns" python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], 40100))
s.sendto(b"b" * 6000, (sys.argv[2], 7001))
' "$ns4" "$host4"
wait "$sonde"
tcpdump -r "$tmp/big.pcap" -nn -q -t 2>/dev/null | sed -e "s/$ns4/NS4/g" -e "s/$host4/HOST4/g"
echo "records: $(tcpdump -r "$tmp/big.pcap" -nn 2>/dev/null | wc -l)"
