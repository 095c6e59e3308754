"""The fleet suite: replicas of hfcached on one real distributed file system (GlusterFS)."""
