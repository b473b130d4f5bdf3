// What a system call costs on this machine (docs/benchmarks.md, "What a system call costs here"): the CPU time of a
// trivial one (getppid), and the sender's CPU time per small send on a loopback TCP connection whose reader, another
// process, takes the bytes as they come (on loopback the sender's kernel also runs the receiving side and wakes the
// reader). A SignalR delivery to a subscriber whose events come 100 ms apart is at least one such send.
// Build and run: gcc -O2 bench/syscall-cost/syscall-cost.c -o /tmp/syscall-cost && /tmp/syscall-cost
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double cpu_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return t.tv_sec * 1e9 + t.tv_nsec;
}

static void trivial_calls(int count)
{
    double start = cpu_ns();
    for (int i = 0; i < count; i++) {
        syscall(SYS_getppid);
    }
    printf("trivial system call (getppid): %.0f ns of CPU each\n", (cpu_ns() - start) / count);
}

static void loopback_sends(int count, size_t bytes)
{
    int listener = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in address = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t length = sizeof address;
    if (bind(listener, (struct sockaddr *)&address, sizeof address) != 0 || listen(listener, 1) != 0
        || getsockname(listener, (struct sockaddr *)&address, &length) != 0) {
        perror("listen");
        return;
    }
    pid_t reader = fork();
    if (reader == 0) {
        int connection = socket(AF_INET, SOCK_STREAM, 0);
        char buffer[65536];
        if (connect(connection, (struct sockaddr *)&address, sizeof address) == 0) {
            while (read(connection, buffer, sizeof buffer) > 0) {
            }
        }
        _exit(0);
    }
    int connection = accept(listener, NULL, NULL);
    int on = 1;
    setsockopt(connection, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
    char frame[4096];
    memset(frame, 'x', sizeof frame);
    double start = cpu_ns();
    for (int i = 0; i < count; i++) {
        send(connection, frame, bytes, 0);
    }
    double sender = cpu_ns() - start;
    close(connection);
    waitpid(reader, NULL, 0);
    close(listener);
    printf("loopback TCP send of %zu bytes, reader in another process: %.2f us of the sender's CPU each\n", bytes, sender / count / 1e3);
}

int main(void)
{
    trivial_calls(2000000);
    loopback_sends(200000, 120);
    loopback_sends(200000, 1000);
    return 0;
}
