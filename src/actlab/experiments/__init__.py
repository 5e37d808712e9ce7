"""The experiments behind the classic claims, each a library function that returns data.

* :mod:`actlab.experiments.collapse`: without a non-linearity, stacked linear layers collapse
  into one linear map (``actlab collapse``).
* :mod:`actlab.experiments.gradients`: the vanishing-gradient experiment, per-layer gradient
  sizes measured in deep networks (``actlab gradients``), beside the prediction of
* :mod:`actlab.experiments.meanfield`: mean-field theory of signal and gradient propagation.
* :mod:`actlab.experiments.xu2015`: Xu et al. 2015 (ReLU vs its variants on CIFAR) as a preset
  study run by compare's runner (``actlab reproduce xu2015``).
* :mod:`actlab.data.experiment`: the small data sets these experiments use.

Figures for them are in :mod:`actlab.plots`; training comparisons are :mod:`actlab.compare`.
"""
