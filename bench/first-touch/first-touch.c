/* What a first write to fresh memory costs on this machine (docs/benchmarks.md, "What this machine charges for fresh
 * memory"): maps 400 MB, optionally asks for huge pages, populates it writable in one call (as src/Data/Memory/SlabPages
 * does), then copies 170-byte events into it one after another, and the same copies again.
 * Build and run: gcc -O2 bench/first-touch/first-touch.c -o /tmp/first-touch && /tmp/first-touch small && /tmp/first-touch huge */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#define TOTAL (400UL << 20)
#define EVENT 170
#define MADV_POPULATE_WRITE_ADVICE 23

static double seconds(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return now.tv_sec + now.tv_nsec * 1e-9;
}

static double copy_all(char *destination, const char *source, long *events)
{
    double start = seconds();
    long n = 0;
    for (size_t at = 0; at + EVENT < TOTAL; at += EVENT, n++)
        memcpy(destination + at, source + (n * EVENT) % 60000, EVENT);
    *events = n;
    return seconds() - start;
}

int main(int argc, char **argv)
{
    int huge = argc > 1 && strcmp(argv[1], "huge") == 0;
    char *memory = mmap(NULL, TOTAL, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (memory == MAP_FAILED)
        return 1;
    if (huge)
        madvise(memory, TOTAL, MADV_HUGEPAGE);
    static char source[65536];
    for (int i = 0; i < (int)sizeof source; i++)
        source[i] = (char)i;
    double start = seconds();
    madvise(memory, TOTAL, MADV_POPULATE_WRITE_ADVICE);
    double populated = seconds() - start;
    long events;
    double first = copy_all(memory, source, &events);
    double again = copy_all(memory, source, &events);
    printf("%s pages: populate %.0f ms, first copies %.1f ns per %d-byte event, again %.1f ns\n",
           huge ? "huge" : "4 KiB", populated * 1e3, first * 1e9 / events, EVENT, again * 1e9 / events);
    return 0;
}
