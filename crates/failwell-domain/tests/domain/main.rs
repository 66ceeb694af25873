mod regime;
