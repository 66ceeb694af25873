mod cusum;
mod funnel;
