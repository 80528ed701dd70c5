"""rnnviz: watch recurrent neural networks learn.

A from-scratch NumPy engine (vanilla RNN, LSTM, GRU with exact backpropagation through time)
and a live PyQt6 + pyqtgraph window that shows every state and gate as the network trains.
"""

__version__ = "0.1.0"
