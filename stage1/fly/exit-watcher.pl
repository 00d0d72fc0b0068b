#!/usr/bin/perl
# skiff fly stage1: records the app's exit status, which nobody in the exec chain can (the app
# replaced stage1, and its parent is whoever started skiff: a shell, or systemd).
#   exit-watcher.pl PID STATUS_FILE
# Run in the foreground by run.sh before it execs the app (PID is run.sh's own, which the app
# keeps): it opens a pidfd on PID, forks, and the parent exits at once, so run.sh goes on with
# the pidfd already held (a fast app cannot exit before it is watched) and the watcher is not
# the app's child (it belongs to init or the nearest subreaper, e.g. systemd). The watcher
# waits for the pidfd to turn readable (the app exited), then asks the
# kernel for the exit status with PIDFD_GET_INFO / PIDFD_INFO_EXIT (Linux >= 6.15), which
# works for a process that is not our child. It inherits the pod lock (fd 3) and exits only
# after writing the status, so a pod is never seen exited without its status. On an older
# kernel it exits quietly and the status stays unknown. Perl because it is on every Debian
# system (perl-base is essential) and can make these calls; Node cannot.
use strict;
use warnings;

my ($pid, $out) = @ARGV;
# systemd signals what is left in the unit when the main process (the app) exits: the status
# must still be written, and writing it takes milliseconds.
$SIG{$_} = 'IGNORE' for qw(TERM INT HUP);

my $SYS_pidfd_open = 434;
my $PIDFD_GET_INFO = 0xC040FF0B;   # _IOWR(0xFF, 11, struct pidfd_info), 64 bytes
my $PIDFD_INFO_EXIT = 1 << 3;
my $EXIT_CODE_OFFSET = 60;         # __s32 exit_code in struct pidfd_info

my $fd = syscall($SYS_pidfd_open, $pid + 0, 0);
exit 0 if $fd < 0;
open(my $pidfd, '<&=', $fd) or exit 0;
my $child = fork();
exit 0 if !defined($child) || $child > 0;
my $rin = '';
vec($rin, $fd, 1) = 1;
select(my $rout = $rin, undef, undef, undef);

# The pidfd turns readable as the app exits; the exit information lands a moment later.
my ($info, $mask) = ('', 0);
for (1 .. 400) {
  $info = pack('Q', $PIDFD_INFO_EXIT) . ("\0" x 56);
  ioctl($pidfd, $PIDFD_GET_INFO, $info) or exit 0;
  ($mask) = unpack('Q', $info);
  last if $mask & $PIDFD_INFO_EXIT;
  select(undef, undef, undef, 0.005);
}
exit 0 unless $mask & $PIDFD_INFO_EXIT;

my $wstatus = unpack('l', substr($info, $EXIT_CODE_OFFSET, 4));
my $code = ($wstatus & 0x7f) == 0 ? ($wstatus >> 8) & 0xff : 128 + ($wstatus & 0x7f);
my $tmp = "$out.tmp.$$";
open(my $fh, '>', $tmp) or exit 0;
print $fh "$code\n";
close($fh) or exit 0;
rename($tmp, $out);
