mod cusum;
mod funnel;
mod spc;
