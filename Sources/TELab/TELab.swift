/// Network-namespace lab used by kernel tests and `tectl lab`.
public enum Lab {}
