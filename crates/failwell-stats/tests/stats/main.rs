mod spc;
