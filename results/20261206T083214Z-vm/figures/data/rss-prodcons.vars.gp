fmt='pdf'
out='/work/main/results/20261206T083214Z-vm/figures/rss-prodcons.pdf'
scriptdir='/work/main/scripts'
caption='vm (Intel(R) Xeon(R) Processor; 2 CPUs; Linux 6.18.44-fc-v1272) | glibc 2.36, jemalloc 5.3.0, tcmalloc 2.10, mimalloc 2.0.9, tide 1.0.0-tide, tide-2006 1.0.0-tide+preset:bsd2006, locked 1.0 | 20261206T083214Z-vm'
names='glibc jemalloc tcmalloc mimalloc tide tide-2006 locked'
nal=7
dat='/work/main/results/20261206T083214Z-vm/figures/data/rss-prodcons.dat'
ttl='prodcons: resident set size over time (2 threads, median-time run per allocator)'
