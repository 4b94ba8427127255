fmt='pdf'
out='results/20261125T043208Z-vm/figures/rss-threadtest.pdf'
scriptdir='/work/main/scripts'
caption='vm (AMD EPYC; 2 CPUs; Linux 6.18.44-fc-v782) | glibc 2.36, jemalloc 5.3.0, tcmalloc 2.10, mimalloc 2.0.9, tide 1.0.0-tide | 20261125T043208Z-vm'
names='glibc jemalloc tcmalloc mimalloc tide'
nal=5
dat='results/20261125T043208Z-vm/figures/data/rss-threadtest.dat'
ttl='threadtest: resident set size over time (2 threads, median-time run per allocator)'
