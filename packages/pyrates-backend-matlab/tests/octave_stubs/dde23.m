function sol = dde23(ddefun, lags, history, tspan, options)
%DDE23 Test stand-in for MATLAB's dde23, which GNU Octave lacks (used by the PyRates tests
%   only): Heun's method with the step min(lags)/100 and linear interpolation of the computed
%   solution for the delayed values (the second stage reads left limits, so that a jump of
%   the history at tspan(1) is integrated exactly); history is a constant vector;
%   options.InitialY is the value at tspan(1) if given.
  t0 = tspan(1);
  n = ceil((tspan(end) - t0) / (min(lags) / 100));
  h = (tspan(end) - t0) / n;
  hv = history(:);
  y = hv;
  if isfield(options, 'InitialY') && ~isempty(options.InitialY)
    y = options.InitialY(:);
  end
  X = t0 + (0:n) * h;
  Y = zeros(numel(y), n + 1);
  Y(:, 1) = y;
  for k = 1:n
    f1 = ddefun(X(k), y, stub_lagged(X(k), lags, X, Y, hv, h, false));
    yp = y + h * f1;
    f2 = ddefun(X(k + 1), yp, stub_lagged(X(k + 1), lags, X, Y, hv, h, true));
    y = y + (h / 2) * (f1 + f2);
    Y(:, k + 1) = y;
  end
  sol = struct('x', X, 'y', Y);
end

function Z = stub_lagged(t, lags, X, Y, hv, h, left)
  Z = zeros(size(Y, 1), numel(lags));
  for j = 1:numel(lags)
    tq = t - lags(j);
    if tq < X(1) || (left && tq <= X(1) + 1e-9 * h)
      Z(:, j) = hv;
    else
      i = min(floor((tq - X(1)) / h + 1e-9) + 1, numel(X) - 1);
      u = (tq - X(i)) / h;
      Z(:, j) = (1 - u) * Y(:, i) + u * Y(:, i + 1);
    end
  end
end
