mod cusum;
mod funnel;
mod lines;
mod spc;
