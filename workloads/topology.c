/* wl-topology: write this machine's hwloc topology as XML, so that the
 * harness can store it next to each result set.
 *
 *   wl-topology <out.xml>      (use - for stdout)
 *   wl-topology --place compact|scatter <nthreads>
 *                              print the PU OS indexes the policy picks here
 */
#include "common/wl_place.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    if (argc == 2 && !strcmp(argv[1], "--help")) {
        printf("usage: wl-topology <out.xml|->\n       wl-topology --place compact|scatter|none <nthreads>\n");
        return 0;
    }
    if (argc == 4 && !strcmp(argv[1], "--place")) {
        wl_pin_policy p;
        char *end;
        long n = strtol(argv[3], &end, 10);
        if (wl_pin_parse(argv[2], &p) < 0 || *end || n < 1 || n > 4096) {
            fprintf(stderr, "wl-topology: bad policy or thread count\n");
            return 2;
        }
        hwloc_topology_t t;
        if (hwloc_topology_init(&t) < 0 || hwloc_topology_load(t) < 0) {
            fprintf(stderr, "wl-topology: cannot load the topology\n");
            return 1;
        }
        unsigned *pus = calloc((size_t)n, sizeof *pus);
        if (!pus) return 1;
        int k = wl_place_compute(t, p, (int)n, pus);
        for (int i = 0; i < k; i++) printf("%s%u", i ? " " : "", pus[i]);
        printf("\n");
        free(pus);
        hwloc_topology_destroy(t);
        return 0;
    }
    if (argc != 2 || argv[1][0] == '\0' || (argv[1][0] == '-' && argv[1][1] != '\0')) {
        fprintf(stderr, "wl-topology: usage: wl-topology <out.xml|->\n");
        return 2;
    }
    if (wl_topology_export(argv[1]) < 0) {
        fprintf(stderr, "wl-topology: cannot write the topology to %s\n", argv[1]);
        return 1;
    }
    return 0;
}
